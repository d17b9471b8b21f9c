using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Users;

/// <summary>An admin manages users through the /users page's forms, and every change is audited.</summary>
public sealed class UsersPageTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task An_admin_adds_a_marketer_who_can_then_sign_in_as_one()
    {
        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");

        var response = await admin.SubmitAsync(page.Form("create-user"), new Dictionary<string, string>
        {
            ["NewUser.Email"] = "  new.marketer@test.example ",
            ["NewUser.DisplayName"] = "Nora Marketer",
            ["NewUser.Role"] = Roles.Marketer,
            ["NewUser.Password"] = "a-fine-initial-password",
        });

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.RedirectTarget().Should().Be("/users");
        var after = await admin.FollowAsync(response);
        after.FlashTexts().Should().ContainSingle().Which.Should().Be("new.marketer@test.example can now sign in as Marketer.");
        Row(after, "new.marketer@test.example").Should().NotBeNull("the new user is listed");
        RoleShownFor(after, "new.marketer@test.example").Should().Be(Roles.Marketer);

        var newcomer = app.CreateBrowserlessClient();
        (await newcomer.SignInAsync("new.marketer@test.example", "a-fine-initial-password"))
            .StatusCode.Should().Be(HttpStatusCode.Redirect, "the new user can sign in");
        var home = await newcomer.GetPageAsync("/");
        home.NavigationTitles().Should().Equal("Dashboard", "Campaigns", "Contacts", "Templates", "Analytics");
        home.QuerySelector("[data-testid=user-name]")!.TextContent.Should().Be("Nora Marketer");

        var audit = await AuditForAsync("new.marketer@test.example");
        audit.Should().ContainSingle(e => e.Action == "users.create")
            .Which.Should().BeEquivalentTo(new { Actor = adminUser.Email, Details = "role=Marketer" }, o => o.ExcludingMissingMembers());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_duplicate_email_is_refused_next_to_the_field_and_creates_nothing(bool inUpperCase)
    {
        var existing = await app.CreateUserAsync(Roles.Viewer);
        var (admin, _) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");
        var typed = inUpperCase ? existing.Email.ToUpperInvariant() : existing.Email;

        var response = await admin.SubmitAsync(page.Form("create-user"), new Dictionary<string, string>
        {
            ["NewUser.Email"] = typed,
            ["NewUser.DisplayName"] = "Someone Else",
            ["NewUser.Role"] = Roles.Admin,
            ["NewUser.Password"] = "another-fine-password",
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK, "the form is shown again with the problem");
        var result = await response.ReadHtmlAsync();
        result.ValidationMessageFor("new-email").Should().Be($"A user with the email {typed} already exists.");
        result.ValidationMessageFor("new-password").Should().BeNullOrEmpty();
        result.FlashTexts().Should().BeEmpty();

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        (await db.Users.CountAsync(u => u.NormalizedEmail == existing.Email.ToUpperInvariant())).Should().Be(1);
        var user = await db.Users.SingleAsync(u => u.NormalizedEmail == existing.Email.ToUpperInvariant());
        user.DisplayName.Should().Be(existing.DisplayName, "the existing user is untouched");
        (await RolesOfAsync(existing.Email)).Should().Equal(Roles.Viewer);
        (await AuditForAsync(existing.Email)).Should().ContainSingle(e => e.Action == "users.create", "only the original creation is audited");
    }

    [Fact]
    public async Task A_too_short_password_is_refused_next_to_the_field_and_creates_nothing()
    {
        var (admin, _) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");

        var response = await admin.SubmitAsync(page.Form("create-user"), new Dictionary<string, string>
        {
            ["NewUser.Email"] = "short.password@test.example",
            ["NewUser.DisplayName"] = "Shorty",
            ["NewUser.Role"] = Roles.Viewer,
            ["NewUser.Password"] = "123456789",
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.ReadHtmlAsync();
        result.ValidationMessageFor("new-password").Should().Be("The password needs at least 10 characters.");
        result.ValidationMessageFor("new-email").Should().BeNullOrEmpty();
        Row(result, "short.password@test.example").Should().BeNull();
        (await UserExistsAsync("short.password@test.example")).Should().BeFalse();
        (await app.CreateBrowserlessClient().SignInAsync("short.password@test.example", "123456789"))
            .StatusCode.Should().Be(HttpStatusCode.OK, "no account was created to sign in to");
    }

    [Fact]
    public async Task Making_a_viewer_a_marketer_opens_the_marketer_sections_at_their_next_sign_in()
    {
        var viewer = await app.CreateUserAsync(Roles.Viewer);
        var before = app.CreateBrowserlessClient();
        (await before.SignInAsync(viewer.Email, viewer.Password)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var refused = await before.GetAsync("/contacts");
        refused.StatusCode.Should().Be(HttpStatusCode.Redirect, "a viewer may not manage contacts");
        refused.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");

        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");
        var id = UserIdOn(page, viewer.Email);
        var response = await admin.SubmitAsync(page.Form("user-actions"),
            new Dictionary<string, string> { [$"Action.Roles[{id}]"] = Roles.Marketer },
            ("Action.Command", $"role:{id}"));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var after = await admin.FollowAsync(response);
        after.FlashTexts().Should().ContainSingle().Which.Should().Be($"{viewer.Email} is now Marketer.");
        RoleShownFor(after, viewer.Email).Should().Be(Roles.Marketer);
        (await RolesOfAsync(viewer.Email)).Should().Equal(Roles.Marketer);

        var fresh = app.CreateBrowserlessClient();
        (await fresh.SignInAsync(viewer.Email, viewer.Password)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await fresh.GetAsync("/contacts")).StatusCode.Should().Be(HttpStatusCode.OK, "the new role allows contacts");

        (await AuditForAsync(viewer.Email)).Should().ContainSingle(e => e.Action == "users.role")
            .Which.Should().BeEquivalentTo(new { Actor = adminUser.Email, Details = "Viewer -> Marketer" }, o => o.ExcludingMissingMembers());
    }

    [Fact]
    public async Task Disabling_a_user_stops_their_sign_in_and_enabling_restores_it()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");
        var id = UserIdOn(page, marketer.Email);
        StatusShownFor(page, marketer.Email).Should().Be("Active");

        var disable = await admin.SubmitAsync(page.Form("user-actions"), submitter: ("Action.Command", $"disable:{id}"));
        var disabledPage = await admin.FollowAsync(disable);
        disabledPage.FlashTexts().Should().ContainSingle().Which.Should().Be($"{marketer.Email} is disabled.");
        StatusShownFor(disabledPage, marketer.Email).Should().Be("Disabled");
        ButtonValues(disabledPage, marketer.Email).Should().Contain($"enable:{id}").And.NotContain($"disable:{id}");

        var refused = await app.CreateBrowserlessClient().SignInAsync(marketer.Email, marketer.Password);
        refused.StatusCode.Should().Be(HttpStatusCode.OK, "a disabled user cannot sign in");
        (await refused.ReadHtmlAsync()).QuerySelector("[data-testid=login-error]")!.TextContent.Should().Contain("disabled");

        var enable = await admin.SubmitAsync(disabledPage.Form("user-actions"), submitter: ("Action.Command", $"enable:{id}"));
        var enabledPage = await admin.FollowAsync(enable);
        enabledPage.FlashTexts().Should().ContainSingle().Which.Should().Be($"{marketer.Email} is enabled.");
        StatusShownFor(enabledPage, marketer.Email).Should().Be("Active");

        (await app.CreateBrowserlessClient().SignInAsync(marketer.Email, marketer.Password))
            .StatusCode.Should().Be(HttpStatusCode.Redirect, "an enabled user can sign in again");

        var audit = await AuditForAsync(marketer.Email);
        audit.Where(e => e.Action is "users.disable" or "users.enable").Select(e => (e.Action, e.Actor))
            .Should().Equal(("users.disable", adminUser.Email), ("users.enable", adminUser.Email));
    }

    [Fact]
    public async Task An_admin_cannot_disable_their_own_account()
    {
        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");
        var ownId = UserIdOn(page, adminUser.Email);
        ButtonValues(page, adminUser.Email).Should().NotContain($"disable:{ownId}", "the page offers no way to disable yourself");

        // A crafted post, as if the button were there.
        var response = await admin.SubmitAsync(page.Form("user-actions"), submitter: ("Action.Command", $"disable:{ownId}"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.ReadHtmlAsync();
        result.QuerySelector("[data-testid=action-error]")!.TextContent.Trim().Should().Be("You cannot disable your own account.");
        StatusShownFor(result, adminUser.Email).Should().Be("Active");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            (await users.FindByEmailAsync(adminUser.Email))!.IsDisabled.Should().BeFalse();
        }
        (await admin.GetAsync("/users")).StatusCode.Should().Be(HttpStatusCode.OK, "the admin's session still works");
        (await AuditForAsync(adminUser.Email)).Should().NotContain(e => e.Action == "users.disable");
    }

    [Fact]
    public async Task A_locked_out_user_is_shown_as_such_and_unlocking_lets_them_sign_in()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        var guesser = app.CreateBrowserlessClient();
        for (var i = 0; i < 5; i++)
            await guesser.SignInAsync(marketer.Email, "wrong-password-" + i);
        (await guesser.SignInAsync(marketer.Email, marketer.Password))
            .StatusCode.Should().Be(HttpStatusCode.OK, "the account is locked now");

        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");
        var id = UserIdOn(page, marketer.Email);
        StatusShownFor(page, marketer.Email).Should().Be("Locked out");
        ButtonValues(page, marketer.Email).Should().Contain($"unlock:{id}");

        var response = await admin.SubmitAsync(page.Form("user-actions"), submitter: ("Action.Command", $"unlock:{id}"));
        var after = await admin.FollowAsync(response);
        after.FlashTexts().Should().ContainSingle().Which.Should().Be($"{marketer.Email} is unlocked.");
        StatusShownFor(after, marketer.Email).Should().Be("Active");
        ButtonValues(after, marketer.Email).Should().NotContain($"unlock:{id}");

        (await app.CreateBrowserlessClient().SignInAsync(marketer.Email, marketer.Password))
            .StatusCode.Should().Be(HttpStatusCode.Redirect, "the unlocked user can sign in");
        (await AuditForAsync(marketer.Email)).Should().ContainSingle(e => e.Action == "users.unlock")
            .Which.Actor.Should().Be(adminUser.Email);
    }

    [Fact]
    public async Task A_marketer_cannot_post_the_create_user_form()
    {
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        // A valid antiforgery token for this session, from a page the marketer may open.
        var ownPage = await marketer.GetPageAsync("/account/password");
        var token = ownPage.Form("change-password").QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

        var response = await marketer.PostAsync("/users", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "create-user",
            ["NewUser.Email"] = "sneaky@test.example",
            ["NewUser.DisplayName"] = "Sneaky",
            ["NewUser.Role"] = Roles.Admin,
            ["NewUser.Password"] = "sneaky-password-123",
        }));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        (await UserExistsAsync("sneaky@test.example")).Should().BeFalse();
        (await AuditForAsync("sneaky@test.example")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_marketer_cannot_post_user_actions()
    {
        var target = await app.CreateUserAsync(Roles.Viewer);
        var targetId = await UserIdAsync(target.Email);
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var ownPage = await marketer.GetPageAsync("/account/password");
        var token = ownPage.Form("change-password").QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

        var response = await marketer.PostAsync("/users", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "user-actions",
            ["Action.Command"] = $"disable:{targetId}",
        }));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        (await users.FindByIdAsync(targetId))!.IsDisabled.Should().BeFalse();
    }

    private static IElement? Row(IDocument page, string email) =>
        page.QuerySelectorAll("[data-testid=users-table] tbody tr").FirstOrDefault(r => r.GetAttribute("data-user") == email);

    private static IElement RequiredRow(IDocument page, string email) =>
        Row(page, email) ?? throw new InvalidOperationException($"No row for {email} on the users page.");

    /// <summary>The user's id, as the page uses it in its role select and buttons.</summary>
    private static string UserIdOn(IDocument page, string email)
    {
        var name = RequiredRow(page, email).QuerySelector<IHtmlSelectElement>("select")!.Name!;
        name.Should().StartWith("Action.Roles[").And.EndWith("]");
        return name["Action.Roles[".Length..^1];
    }

    private static string? RoleShownFor(IDocument page, string email) =>
        RequiredRow(page, email).QuerySelector<IHtmlSelectElement>("select")!.Options.FirstOrDefault(o => o.IsSelected)?.Value;

    private static string StatusShownFor(IDocument page, string email) =>
        RequiredRow(page, email).QuerySelector("td:nth-child(3) .badge")!.TextContent.Trim();

    private static IReadOnlyList<string> ButtonValues(IDocument page, string email) =>
        RequiredRow(page, email).QuerySelectorAll<IHtmlButtonElement>("button[name='Action.Command']").Select(b => b.Value).ToList();

    private async Task<List<AuditEntry>> AuditForAsync(string target)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.AuditEntries.Where(e => e.Target == target).OrderBy(e => e.Id).ToListAsync();
    }

    private async Task<bool> UserExistsAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email) is not null;
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email))!.Id;
    }

    private async Task<IList<string>> RolesOfAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await users.GetRolesAsync((await users.FindByEmailAsync(email))!);
    }
}

/// <summary>On its own database, so that the admin created here really is the only one.</summary>
public sealed class OnlyAdminTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task The_only_active_admin_cannot_be_demoted()
    {
        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/users");
        var id = UserIdOn(page, adminUser.Email);

        var response = await DemoteAsync(admin, page, id);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.ReadHtmlAsync();
        result.QuerySelector("[data-testid=action-error]")!.TextContent.Trim()
            .Should().Be("This is the only active admin: make someone else an admin first.");
        (await RolesOfAsync(adminUser.Email)).Should().Equal(Roles.Admin);
        (await AuditActionsAsync(adminUser.Email)).Should().NotContain("users.role");

        // A disabled second admin does not count as another active admin.
        var second = await app.CreateUserAsync(Roles.Admin);
        page = await admin.GetPageAsync("/users");
        var secondId = UserIdOn(page, second.Email);
        (await admin.SubmitAsync(page.Form("user-actions"), submitter: ("Action.Command", $"disable:{secondId}")))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        page = await admin.GetPageAsync("/users");
        var stillRefused = await DemoteAsync(admin, page, id);
        (await stillRefused.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]")!.TextContent
            .Should().Contain("only active admin");
        (await RolesOfAsync(adminUser.Email)).Should().Equal(Roles.Admin);

        // Once the second admin is active, the first may step down.
        (await admin.SubmitAsync(page.Form("user-actions"), submitter: ("Action.Command", $"enable:{secondId}")))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        page = await admin.GetPageAsync("/users");
        (await DemoteAsync(admin, page, id)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await RolesOfAsync(adminUser.Email)).Should().Equal(Roles.Marketer);
        (await AuditActionsAsync(adminUser.Email)).Should().ContainSingle(a => a == "users.role");
    }

    private static Task<HttpResponseMessage> DemoteAsync(HttpClient admin, IDocument page, string id) =>
        admin.SubmitAsync(page.Form("user-actions"),
            new Dictionary<string, string> { [$"Action.Roles[{id}]"] = Roles.Marketer },
            ("Action.Command", $"role:{id}"));

    private static string UserIdOn(IDocument page, string email)
    {
        var row = page.QuerySelectorAll("[data-testid=users-table] tbody tr").Single(r => r.GetAttribute("data-user") == email);
        var name = row.QuerySelector<IHtmlSelectElement>("select")!.Name!;
        return name["Action.Roles[".Length..^1];
    }

    private async Task<IList<string>> RolesOfAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await users.GetRolesAsync((await users.FindByEmailAsync(email))!);
    }

    private async Task<List<string>> AuditActionsAsync(string target)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.AuditEntries.Where(e => e.Target == target).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync();
    }
}
