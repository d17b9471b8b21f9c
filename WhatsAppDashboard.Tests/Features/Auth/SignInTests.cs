using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Auth;

public sealed class SignInTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_and_come_back_after()
    {
        var user = await app.CreateUserAsync(Roles.Marketer);
        var client = app.CreateBrowserlessClient();

        var response = await client.GetAsync("/campaigns");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.Should().StartWith("http://localhost/account/login?ReturnUrl=%2Fcampaigns");

        var signIn = await client.SignInAsync(user.Email, user.Password, returnUrl: "/campaigns");
        signIn.StatusCode.Should().Be(HttpStatusCode.Redirect);
        signIn.RedirectTarget().Should().Be("/campaigns");

        var page = await client.GetPageAsync("/campaigns");
        page.QuerySelector("[data-testid=user-name]")!.TextContent.Should().Be(user.DisplayName);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_a_message_and_no_session()
    {
        var user = await app.CreateUserAsync(Roles.Viewer);
        var client = app.CreateBrowserlessClient();

        var response = await client.SignInAsync(user.Email, "not-the-password");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await response.ReadHtmlAsync();
        page.QuerySelector("[data-testid=login-error]")!.TextContent.Should().Be("The email or password is not correct.");
        (await client.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.Redirect, "no session was created");
    }

    [Fact]
    public async Task An_unknown_email_gets_the_same_message_as_a_wrong_password()
    {
        var response = await app.CreateBrowserlessClient().SignInAsync("nobody@test.example", "whatever-password");
        var page = await response.ReadHtmlAsync();
        page.QuerySelector("[data-testid=login-error]")!.TextContent.Should().Be("The email or password is not correct.");
    }

    [Fact]
    public async Task Empty_fields_get_messages_next_to_them()
    {
        var client = app.CreateBrowserlessClient();
        var response = await client.SignInAsync("", "");
        var page = await response.ReadHtmlAsync();
        page.ValidationMessageFor("email").Should().Be("Enter your email address.");
        page.ValidationMessageFor("password").Should().Be("Enter your password.");
    }

    [Fact]
    public async Task Five_failures_lock_the_account_even_against_the_right_password()
    {
        var user = await app.CreateUserAsync(Roles.Marketer);
        var client = app.CreateBrowserlessClient();
        for (var i = 0; i < 5; i++)
            (await client.SignInAsync(user.Email, "wrong-password-" + i)).StatusCode.Should().Be(HttpStatusCode.OK);

        var response = await client.SignInAsync(user.Email, user.Password);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a locked account cannot sign in");
        var page = await response.ReadHtmlAsync();
        page.QuerySelector("[data-testid=login-error]")!.TextContent.Should().Contain("locked").And.Contain("15 minutes");
    }

    [Fact]
    public async Task A_disabled_user_is_told_so_only_with_the_right_password()
    {
        var user = await app.CreateUserAsync(Roles.Marketer);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var entity = await users.FindByEmailAsync(user.Email);
            entity!.IsDisabled = true;
            await users.UpdateAsync(entity);
        }
        var client = app.CreateBrowserlessClient();

        var withRightPassword = await (await client.SignInAsync(user.Email, user.Password)).ReadHtmlAsync();
        withRightPassword.QuerySelector("[data-testid=login-error]")!.TextContent.Should().Contain("disabled");

        var withWrongPassword = await (await client.SignInAsync(user.Email, "wrong-password")).ReadHtmlAsync();
        withWrongPassword.QuerySelector("[data-testid=login-error]")!.TextContent.Should().Be("The email or password is not correct.");
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    public async Task A_foreign_return_url_leads_home_instead(string returnUrl)
    {
        var user = await app.CreateUserAsync(Roles.Viewer);
        var response = await app.CreateBrowserlessClient().SignInAsync(user.Email, user.Password, returnUrl);
        response.RedirectTarget().Should().Be("/");
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_needs_the_antiforgery_token()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);
        var home = await client.GetPageAsync("/");

        var forged = await client.PostAsync("/account/logout", new FormUrlEncodedContent([]));
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a sign-out without the token is refused");
        (await client.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.OK, "the session survived the forged request");

        var signOutForm = (AngleSharp.Html.Dom.IHtmlFormElement)home.QuerySelector("[data-testid=sign-out]")!.Closest("form")!;
        var response = await client.SubmitAsync(signOutForm);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.RedirectTarget().Should().Be("/account/login");
        (await client.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.Redirect, "the session is gone");
    }

    [Fact]
    public async Task Changing_the_password_checks_the_old_one_and_then_applies()
    {
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync("/account/password");

        var wrong = await client.SubmitAsync(page.Form("change-password"), new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = "not-my-password",
            ["Input.NewPassword"] = "a-brand-new-secret",
            ["Input.ConfirmPassword"] = "a-brand-new-secret",
        });
        (await wrong.ReadHtmlAsync()).ValidationMessageFor("current").Should().Be("The current password is not correct.");

        var mismatch = await client.SubmitAsync(page.Form("change-password"), new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = user.Password,
            ["Input.NewPassword"] = "a-brand-new-secret",
            ["Input.ConfirmPassword"] = "something-else-entirely",
        });
        (await mismatch.ReadHtmlAsync()).ValidationMessageFor("confirm").Should().Be("The two new passwords do not match.");

        var done = await client.SubmitAsync(page.Form("change-password"), new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = user.Password,
            ["Input.NewPassword"] = "a-brand-new-secret",
            ["Input.ConfirmPassword"] = "a-brand-new-secret",
        });
        var home = await client.FollowAsync(done);
        home.FlashTexts().Should().ContainSingle().Which.Should().Be("Your password has been changed.");

        var fresh = app.CreateBrowserlessClient();
        (await fresh.SignInAsync(user.Email, user.Password)).StatusCode.Should().Be(HttpStatusCode.OK, "the old password no longer works");
        (await fresh.SignInAsync(user.Email, "a-brand-new-secret")).StatusCode.Should().Be(HttpStatusCode.Redirect);
    }
}
