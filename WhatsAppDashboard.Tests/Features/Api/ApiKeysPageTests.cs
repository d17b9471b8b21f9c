using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Api;

public sealed class ApiKeysPageTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Creating_a_key_shows_it_once_and_it_opens_exactly_its_permissions_in_the_api()
    {
        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/api-keys");

        var response = await admin.SubmitAsync(page.Form("create-api-key"), new Dictionary<string, string>
        {
            ["Input.Name"] = "CRM sync",
            [$"Input.Grants[{Permissions.CampaignsView}]"] = "true",
            [$"Input.Grants[{Permissions.ContactsManage}]"] = "true",
        });

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.RedirectTarget().Should().Be("/api-keys");
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var shown = await admin.FollowAsync(response);
        var key = shown.QuerySelector<IHtmlInputElement>("[data-testid=new-key] input")!.Value;
        key.Should().MatchRegex("^wad_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$");
        var secret = key[13..];
        cookies.Should().Contain(c => c.StartsWith(ApiKeyReveal.CookieName + "=", StringComparison.Ordinal))
            .And.NotContain(c => c.Contains(secret), "the key never travels in clear");
        var prefix = key[..12];
        shown.QuerySelector("[data-testid=new-key]")!.TextContent.Should().Contain("CRM sync").And.Contain("will not be shown again");
        var row = Row(shown, key[..12]);
        row.QuerySelector("[data-testid=key-permissions]")!.TextContent.Should().Contain(Permissions.CampaignsView).And.Contain(Permissions.ContactsManage);
        row.QuerySelector("[data-testid=key-last-used]")!.TextContent.Trim().Should().Be("never");
        row.TextContent.Should().Contain("CRM sync").And.Contain(adminUser.Email, "who created it is listed");

        var again = await admin.GetPageAsync("/api-keys");
        again.QuerySelector("[data-testid=new-key]").Should().BeNull("the key is shown once");
        again.DocumentElement.OuterHtml.Should().NotContain(key);

        var api = app.ApiClient(key);
        (await api.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.GetAsync("/api/v1/contacts")).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await api.PostAsync("/api/v1/templates/sync?accountId=1", null)).ProblemAsync(403);
        var used = await admin.GetPageAsync("/api-keys");
        Row(used, key[..12]).QuerySelector("[data-testid=key-last-used]")!.TextContent.Trim().Should().NotBe("never");

        var audit = await AuditAsync("api-key.created");
        audit.Should().Contain(e => e.Target == "api-key:" + prefix && e.Actor == adminUser.Email);
    }

    [Fact]
    public async Task The_revealed_key_is_for_the_admin_who_created_it_only()
    {
        var (admin, _) = await app.SignedInClientAsync(Roles.Admin);
        var response = await admin.SubmitAsync((await admin.GetPageAsync("/api-keys")).Form("create-api-key"), new Dictionary<string, string>
        {
            ["Input.Name"] = "Stolen cookie",
            [$"Input.Grants[{Permissions.CampaignsView}]"] = "true",
        });
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ApiKeyReveal.CookieName + "=", StringComparison.Ordinal));
        var (otherAdmin, _) = await app.SignedInClientAsync(Roles.Admin);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api-keys");
        request.Headers.Add("Cookie", cookie.Split(';')[0]);

        var page = await (await otherAdmin.SendAsync(request)).ReadHtmlAsync();

        page.QuerySelector("[data-testid=new-key]").Should().BeNull();
    }

    [Fact]
    public async Task A_key_needs_a_name_and_a_permission_and_nothing_is_created_otherwise()
    {
        var (admin, _) = await app.SignedInClientAsync(Roles.Admin);
        var before = await CountKeysAsync();
        var page = await admin.GetPageAsync("/api-keys");

        var response = await admin.SubmitAsync(page.Form("create-api-key"), new Dictionary<string, string> { ["Input.Name"] = "No permissions" });

        response.StatusCode.Should().Be(HttpStatusCode.OK, "the form is shown again with its errors");
        var shown = await response.ReadHtmlAsync();
        shown.QuerySelector(".invalid-feedback")!.TextContent.Should().Contain("at least one permission");
        shown.QuerySelector("[data-testid=new-key]").Should().BeNull();
        (await CountKeysAsync()).Should().Be(before);

        var unnamed = await admin.SubmitAsync(page.Form("create-api-key"), new Dictionary<string, string>
        {
            ["Input.Name"] = "  ",
            [$"Input.Grants[{Permissions.CampaignsView}]"] = "true",
        });
        (await unnamed.ReadHtmlAsync()).QuerySelector(".invalid-feedback")!.TextContent.Should().Contain("name");
        (await CountKeysAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Only_grantable_permissions_are_offered_and_a_forged_one_is_refused()
    {
        var (admin, _) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/api-keys");
        var offered = page.Form("create-api-key").QuerySelectorAll<IHtmlInputElement>("input[type=checkbox]").Select(i => i.Name).ToList();

        offered.Should().BeEquivalentTo(ApiKeyAdministration.Grantable.Select(p => $"Input.Grants[{p}]"));
        offered.Should().NotContain(n => n!.Contains(Permissions.UsersManage) || n.Contains(Permissions.ApiKeysManage));

        var before = await CountKeysAsync();
        var forged = await admin.SubmitAsync(page.Form("create-api-key"), new Dictionary<string, string>
        {
            ["Input.Name"] = "Forged",
            [$"Input.Grants[{Permissions.UsersManage}]"] = "true",
        });
        (await forged.ReadHtmlAsync()).QuerySelector(".invalid-feedback")!.TextContent.Should().Contain(Permissions.UsersManage);
        (await CountKeysAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Revoking_a_key_marks_it_revoked_and_the_api_answers_401_from_then_on()
    {
        var key = await app.CreateApiKeyAsync(Permissions.CampaignsView);
        var api = app.ApiClient(key);
        (await api.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);
        var (admin, adminUser) = await app.SignedInClientAsync(Roles.Admin);
        var page = await admin.GetPageAsync("/api-keys");
        var button = Row(page, key[..12]).QuerySelector<IHtmlButtonElement>("button[name='Action.Command']")!;
        button.GetAttribute("data-confirm").Should().Contain("Revoke", "revoking asks first");

        var response = await admin.SubmitAsync(page.Form("api-key-actions"), submitter: ("Action.Command", button.Value));

        var after = await admin.FollowAsync(response);
        after.FlashTexts().Should().ContainSingle().Which.Should().Contain("revoked");
        Row(after, key[..12]).QuerySelector("[data-testid=key-status]")!.TextContent.Should().Be("Revoked");
        Row(after, key[..12]).QuerySelector("button").Should().BeNull("a revoked key cannot be revoked again");
        await (await api.GetAsync("/api/v1/accounts")).ProblemAsync(401);
        var prefix = key[..12];
        (await AuditAsync("api-key.revoked")).Should().Contain(e => e.Target == "api-key:" + prefix && e.Actor == adminUser.Email);
    }

    [Theory]
    [InlineData(Roles.Marketer)]
    [InlineData(Roles.Viewer)]
    public async Task Marketers_and_viewers_can_neither_open_the_page_nor_post_its_forms(string role)
    {
        var key = await app.CreateApiKeyAsync(Permissions.CampaignsView);
        var keyId = await app.WithDbAsync(db => db.ApiKeys.Where(k => k.KeyHash == ApiKeyTokens.Hash(key)).Select(k => k.Id).SingleAsync());
        var (client, _) = await app.SignedInClientAsync(role);

        var open = await client.GetAsync("/api-keys");
        open.StatusCode.Should().Be(HttpStatusCode.Redirect);
        open.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");

        var ownPage = await client.GetPageAsync("/account/password");
        var token = ownPage.Form("change-password").QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
        var before = await CountKeysAsync();
        var create = await client.PostAsync("/api-keys", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "create-api-key",
            ["Input.Name"] = "Sneaky",
            [$"Input.Grants[{Permissions.ContactsManage}]"] = "true",
        }));
        var revoke = await client.PostAsync("/api-keys", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "api-key-actions",
            ["Action.Command"] = $"revoke:{keyId}",
        }));

        create.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        revoke.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        (await CountKeysAsync()).Should().Be(before);
        (await app.ApiClient(key).GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK, "the key was not revoked");
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_creates_nothing()
    {
        var (admin, _) = await app.SignedInClientAsync(Roles.Admin);
        var before = await CountKeysAsync();

        var response = await admin.PostAsync("/api-keys", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "create-api-key",
            ["Input.Name"] = "No token",
            [$"Input.Grants[{Permissions.CampaignsView}]"] = "true",
        }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await CountKeysAsync()).Should().Be(before);
    }

    private static IElement Row(IDocument page, string prefix) =>
        page.QuerySelector($"[data-testid=api-keys-table] tr[data-key='{prefix}']")
        ?? throw new InvalidOperationException($"No row for the key {prefix}.");

    private Task<int> CountKeysAsync() => app.WithDbAsync(db => db.ApiKeys.CountAsync());

    private Task<List<WhatsAppDashboard.Features.Audit.AuditEntry>> AuditAsync(string action) =>
        app.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == action).ToListAsync());
}

internal static class AppFactoryDb
{
    public static async Task<T> WithDbAsync<T>(this AppFactory app, Func<AppDbContext, Task<T>> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }
}
