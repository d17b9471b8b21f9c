using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Accounts;

/// <summary>"Test connection" on the account page, against the app's own simulator over real HTTP.</summary>
public sealed class AccountConnectionTests(AccountConnectionTests.Factory app) : IClassFixture<AccountConnectionTests.Factory>
{
    /// <summary>The simulator reports this display number for every phone-number id.</summary>
    public sealed class Factory : SandboxAppFactory
    {
        public const string DisplayNumber = "+44 20 7946 0018";

        protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
        {
            ["Sandbox:DisplayPhoneNumber"] = DisplayNumber,
        };
    }

    private const string WhatTheSimulatorSays =
        Factory.DisplayNumber + " · verified name Sandbox Business · quality GREEN · throughput STANDARD · messaging limit TIER_10K";

    [Fact]
    public async Task Test_connection_shows_what_Meta_says_about_the_number_and_remembers_it()
    {
        var phoneNumberId = SandboxAppFactory.NewPhoneNumberId();
        var name = "Connect " + phoneNumberId;
        var accountId = await app.CreateAccountAsync(name, app.AccessToken, phoneNumberId: phoneNumberId,
            isSandbox: true, apiBaseUrl: "", displayPhoneNumber: Factory.DisplayNumber);
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        (await client.GetPageAsync($"/accounts/{accountId}")).QuerySelector("[data-testid=connection-result]")!.TextContent.Trim()
            .Should().Be("Not checked yet.");

        var page = await TestConnectionAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should().Be("Connected: " + WhatTheSimulatorSays);
        page.QuerySelector("[data-testid=connection-result]")!.TextContent.Trim().Should().Be("OK: " + WhatTheSimulatorSays);
        (await client.GetPageAsync("/accounts")).QuerySelector($"tr[data-account='{name}']")!.TextContent
            .Should().Contain("OK: " + Factory.DisplayNumber);
        var account = await AccountAsync(accountId);
        account.ConnectionCheckResult.Should().Be("OK: " + WhatTheSimulatorSays);
        account.ConnectionCheckedAt.Should().NotBeNull();
    }

    [Fact]
    public async Task A_number_Meta_shows_differently_from_the_account_is_pointed_out()
    {
        var phoneNumberId = SandboxAppFactory.NewPhoneNumberId();
        var accountId = await app.CreateAccountAsync("Mismatch " + phoneNumberId, app.AccessToken, phoneNumberId: phoneNumberId,
            isSandbox: true, apiBaseUrl: app.BaseUrl + "/sandbox/graph", displayPhoneNumber: "+1 555 010 0200");
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);

        var page = await TestConnectionAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should().Be(
            $"Connected: {WhatTheSimulatorSays}. Note: Meta shows {Factory.DisplayNumber}, this account says +1 555 010 0200.");
    }

    [Fact]
    public async Task A_refused_token_is_shown_with_Metas_code_and_what_to_check_and_is_remembered()
    {
        var phoneNumberId = SandboxAppFactory.NewPhoneNumberId();
        var wrongToken = "EAAG-expired-" + phoneNumberId;
        var accountId = await app.CreateAccountAsync("Broken " + phoneNumberId, wrongToken, phoneNumberId: phoneNumberId,
            isSandbox: true, apiBaseUrl: app.BaseUrl + "/sandbox/graph", displayPhoneNumber: Factory.DisplayNumber);
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);

        var page = await TestConnectionAsync(client, accountId);

        const string refused =
            "Meta refused: (190) Invalid OAuth access token - Cannot parse access token (check the access token and its permissions)";
        page.FlashTexts().Should().ContainSingle().Which.Should().Be("Connection failed: " + refused);
        var result = page.QuerySelector("[data-testid=connection-result]")!;
        result.TextContent.Trim().Should().Be("Failed: " + refused);
        result.ClassList.Should().Contain("text-danger");
        var account = await AccountAsync(accountId);
        account.ConnectionCheckResult.Should().Be("Failed: " + refused);
        account.ConnectionCheckedAt.Should().NotBeNull();
        app.Logs.Lines.Should().NotContain(line => line.Contains(wrongToken), "a token is never logged, even a refused one");
    }

    private static async Task<IHtmlDocument> TestConnectionAsync(HttpClient client, int accountId)
    {
        var account = await client.GetPageAsync($"/accounts/{accountId}");
        var form = (IHtmlFormElement)account.QuerySelector($"form[action='/accounts/{accountId}/test-connection']")!;
        var response = await client.SubmitAsync(form);
        response.RedirectTarget().Should().Be($"/accounts/{accountId}");
        return await client.FollowAsync(response);
    }

    private async Task<WhatsAppAccount> AccountAsync(int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId);
    }
}
