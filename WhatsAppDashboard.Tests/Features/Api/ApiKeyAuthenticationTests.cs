using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Api;

public sealed class ApiKeyAuthenticationTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    [Fact]
    public async Task A_request_without_a_key_gets_401_problem_details_and_a_challenge()
    {
        var response = await app.ApiClient(null).GetAsync("/api/v1/accounts");

        var problem = await response.ProblemAsync(401);
        problem.GetProperty("detail").GetString().Should().Contain("X-API-Key");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("ApiKey");
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("wad_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    public async Task A_malformed_or_unknown_key_gets_401(string key)
    {
        var response = await app.ApiClient(key).GetAsync("/api/v1/accounts");

        await response.ProblemAsync(401);
    }

    [Fact]
    public async Task A_key_in_the_query_string_is_not_accepted()
    {
        var key = await app.CreateApiKeyAsync(Permissions.CampaignsView);

        var response = await app.ApiClient(null).GetAsync($"/api/v1/accounts?X-API-Key={key}&api_key={key}");

        await response.ProblemAsync(401);
    }

    [Fact]
    public async Task A_revoked_key_gets_401_from_then_on()
    {
        var key = await app.CreateApiKeyAsync(Permissions.CampaignsView);
        var client = app.ApiClient(key);
        (await client.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var id = await db.ApiKeys.Where(k => k.KeyHash == ApiKeyTokens.Hash(key)).Select(k => k.Id).SingleAsync();
            var revoked = await scope.ServiceProvider.GetRequiredService<ApiKeyAdministration>().RevokeAsync(id, "test");
            revoked.Succeeded.Should().BeTrue(revoked.Error);
        }

        var problem = await (await client.GetAsync("/api/v1/accounts")).ProblemAsync(401);
        problem.GetProperty("detail").GetString().Should().Contain("revoked");
    }

    [Fact]
    public async Task A_key_without_the_permission_gets_403()
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);

        var problem = await (await client.GetAsync("/api/v1/accounts")).ProblemAsync(403);
        problem.GetProperty("detail").GetString().Should().Contain("permission");
    }

    [Fact]
    public async Task A_signed_in_browser_session_does_not_open_the_api()
    {
        var (browser, _) = await app.SignedInClientAsync(Roles.Admin);

        var response = await browser.GetAsync("/api/v1/accounts");

        await response.ProblemAsync(401);
    }

    [Fact]
    public async Task Accounts_are_listed_without_any_secret_and_the_key_is_marked_used()
    {
        var accountId = await app.AddAccountAsync("Api Listing Account");
        var account = await app.WithDbAsync(db => db.WhatsAppAccounts.SingleAsync(a => a.Id == accountId));
        var key = await app.CreateApiKeyAsync(Permissions.CampaignsView);

        var response = await app.ApiClient(key).GetAsync("/api/v1/accounts");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadAsStringAsync();
        var listed = (await response.JsonAsync()).EnumerateArray().Single(a => a.GetProperty("id").GetInt32() == account.Id);
        listed.GetProperty("name").GetString().Should().Be("Api Listing Account");
        listed.GetProperty("phoneNumberId").GetString().Should().Be(account.PhoneNumberId);
        body.Should().NotContainAny("accessToken", "appSecret", "Protected", "webhookVerifyToken", account.WebhookVerifyToken);

        await using var scope = app.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<AppDbContext>().ApiKeys.SingleAsync(k => k.KeyHash == ApiKeyTokens.Hash(key));
        stored.LastUsedAt.Should().NotBeNull();
        stored.KeyHash.Should().NotContain(key).And.HaveLength(64, "only the hash is stored");
    }

    [Fact]
    public async Task An_unknown_api_address_answers_404_problem_details_for_a_valid_key_and_401_without()
    {
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        await (await client.GetAsync("/api/v1/no-such-thing")).ProblemAsync(404);
        await (await app.ApiClient(null).GetAsync("/api/v1/no-such-thing")).ProblemAsync(401);
    }

    [Theory]
    [InlineData("campaigns.view, CAMPAIGNS.create,campaigns.view", new[] { Permissions.CampaignsView, Permissions.CampaignsCreate }, null)]
    [InlineData("campaigns.view,users.manage", new[] { Permissions.CampaignsView }, "users.manage")]
    [InlineData("campaigns.fly", new string[0], "campaigns.fly")]
    [InlineData("", new string[0], "at least one")]
    public void Permission_lists_are_read_case_insensitively_and_unknown_or_ungrantable_ones_are_named(string list, string[] expected, string? error)
    {
        var parsed = ApiKeyAdministration.ParsePermissions(list, out var message);

        parsed.Should().Equal(expected);
        if (error is null)
            message.Should().BeNull();
        else
            message.Should().Contain(error);
    }
}

public sealed class RateLimitedAppFactory : AppFactory
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?> { ["Api:RequestsPerMinute"] = "3" };
}

public sealed class ApiRateLimitTests(RateLimitedAppFactory app) : IClassFixture<RateLimitedAppFactory>
{
    [Fact]
    public async Task A_key_over_its_budget_gets_429_with_retry_after_while_other_keys_go_on()
    {
        var busy = await app.ApiClientWithAsync(Permissions.CampaignsView);
        var quiet = await app.ApiClientWithAsync(Permissions.CampaignsView);

        for (var i = 0; i < 3; i++)
            (await busy.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);
        var refused = await busy.GetAsync("/api/v1/accounts");

        var problem = await refused.ProblemAsync(429);
        problem.GetProperty("detail").GetString().Should().Contain("Try again");
        refused.Headers.RetryAfter?.Delta.Should().NotBeNull();
        refused.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(1));
        (await quiet.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Requests_without_a_valid_key_do_not_count_against_anyone()
    {
        for (var i = 0; i < 5; i++)
            (await app.ApiClient(null).GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
