using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Api;

/// <summary>GET /api/v1/templates and POST /api/v1/templates/sync, syncing from the app's own simulator over HTTP.</summary>
public sealed class TemplatesApiTests(SandboxAppFactory app) : IClassFixture<SandboxAppFactory>
{
    /// <summary>The simulator's catalogue: four approved templates and one pending.</summary>
    private static readonly string[] SandboxTemplates = ["welcome_offer", "weekend_sale", "tasting_invitation", "order_shipped", "loyalty_points_update"];

    [Fact]
    public async Task Sync_stores_the_simulators_templates_and_answers_the_counts_then_finds_nothing_changed()
    {
        var accountId = await SandboxAccountAsync("Sync via API");
        var client = await app.ApiClientWithAsync(Permissions.TemplatesManage);

        var first = await client.PostAsync($"/api/v1/templates/sync?accountId={accountId}", null);

        first.StatusCode.Should().Be(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        var counts = await first.JsonAsync();
        counts.GetProperty("accountId").GetInt32().Should().Be(accountId);
        counts.GetProperty("accountName").GetString().Should().Be("Sync via API");
        (counts.GetProperty("listed").GetInt32(), counts.GetProperty("added").GetInt32(), counts.GetProperty("updated").GetInt32(),
            counts.GetProperty("unchanged").GetInt32(), counts.GetProperty("removed").GetInt32()).Should().Be((5, 5, 0, 0, 0));
        (await TemplateNamesAsync(accountId)).Should().BeEquivalentTo(SandboxTemplates);

        var second = await (await client.PostAsync($"/api/v1/templates/sync?accountId={accountId}", null)).JsonAsync();
        (second.GetProperty("added").GetInt32(), second.GetProperty("unchanged").GetInt32()).Should().Be((0, 5));
        (await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "templates.sync" && e.Target == "Sync via API")))
            .Should().Be(2, "each sync is audited");
    }

    [Fact]
    public async Task Listing_filters_by_account_and_status_and_gives_the_parameter_keys_campaigns_map()
    {
        var accountId = await SandboxAccountAsync("List via API");
        var otherId = await SandboxAccountAsync("Other list account");
        var sync = await app.ApiClientWithAsync(Permissions.TemplatesManage);
        (await sync.PostAsync($"/api/v1/templates/sync?accountId={accountId}", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await sync.PostAsync($"/api/v1/templates/sync?accountId={otherId}", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        // An integrator's key made for creating campaigns can find template ids without any template permission.
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsCreate);

        var all = (await (await client.GetAsync($"/api/v1/templates?accountId={accountId}")).JsonAsync()).EnumerateArray().ToList();
        var approved = (await (await client.GetAsync($"/api/v1/templates?accountId={accountId}&status=approved")).JsonAsync()).EnumerateArray().ToList();
        var pending = (await (await client.GetAsync($"/api/v1/templates?accountId={accountId}&status=PENDING")).JsonAsync()).EnumerateArray().ToList();
        var everywhere = (await (await client.GetAsync("/api/v1/templates")).JsonAsync()).EnumerateArray().ToList();

        all.Select(t => t.GetProperty("name").GetString()).Should().BeEquivalentTo(SandboxTemplates);
        all.Should().OnlyContain(t => t.GetProperty("accountId").GetInt32() == accountId);
        approved.Should().HaveCount(4).And.OnlyContain(t => t.GetProperty("status").GetString() == "APPROVED" && t.GetProperty("isSendable").GetBoolean());
        pending.Select(t => t.GetProperty("name").GetString()).Should().Equal("loyalty_points_update");
        pending.Single().GetProperty("isSendable").GetBoolean().Should().BeFalse();
        everywhere.Select(t => t.GetProperty("accountId").GetInt32()).Should().Contain([accountId, otherId]);

        var shipped = all.Single(t => t.GetProperty("name").GetString() == "order_shipped");
        shipped.GetProperty("parameterFormat").GetString().Should().Be("NAMED");
        shipped.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("key").GetString())
            .Should().NotBeEmpty().And.OnlyContain(k => k!.StartsWith("body.") || k.StartsWith("header.") || k.StartsWith("button."));
        shipped.GetProperty("components").ValueKind.Should().Be(JsonValueKind.Array);
        var id = shipped.GetProperty("id").GetInt32();
        (await app.WithDbAsync(db => db.WhatsAppTemplates.Where(t => t.Id == id).Select(t => t.Name).SingleAsync())).Should().Be("order_shipped");
    }

    [Fact]
    public async Task Bad_accounts_and_statuses_get_problem_details()
    {
        var reader = await app.ApiClientWithAsync(Permissions.TemplatesView);
        var manager = await app.ApiClientWithAsync(Permissions.TemplatesManage);
        var inactive = await SandboxAccountAsync("Inactive for sync");
        await app.WithDbAsync(db => db.WhatsAppAccounts.Where(a => a.Id == inactive).ExecuteUpdateAsync(s => s.SetProperty(a => a.IsActive, false)));

        await (await reader.GetAsync("/api/v1/templates?accountId=987654")).ProblemAsync(404);
        (await (await reader.GetAsync("/api/v1/templates?accountId=abc")).ProblemAsync(400)).GetProperty("errors").TryGetProperty("accountId", out _)
            .Should().BeTrue("a malformed id is a field error");
        (await (await manager.PostAsync("/api/v1/templates/sync?accountId=-3", null)).ProblemAsync(400)).GetProperty("errors")
            .TryGetProperty("accountId", out _).Should().BeTrue();
        var badStatus = await (await reader.GetAsync("/api/v1/templates?status=approved;drop")).ProblemAsync(400);
        badStatus.GetProperty("errors").GetProperty("status")[0].GetString().Should().Contain("APPROVED");
        var missing = await (await manager.PostAsync("/api/v1/templates/sync", null)).ProblemAsync(400);
        missing.GetProperty("errors").GetProperty("accountId")[0].GetString().Should().Contain("accountId");
        await (await manager.PostAsync("/api/v1/templates/sync?accountId=987654", null)).ProblemAsync(404);
        (await (await manager.PostAsync($"/api/v1/templates/sync?accountId={inactive}", null)).ProblemAsync(409))
            .GetProperty("detail").GetString().Should().Contain("deactivated");
        (await TemplateNamesAsync(inactive)).Should().BeEmpty();
    }

    [Fact]
    public async Task Keys_without_the_permission_get_403_and_requests_without_a_key_401()
    {
        var accountId = await SandboxAccountAsync("Guarded sync");
        var contactsOnly = await app.ApiClientWithAsync(Permissions.ContactsManage);
        var readOnly = await app.ApiClientWithAsync(Permissions.TemplatesView, Permissions.CampaignsView);

        await (await contactsOnly.GetAsync("/api/v1/templates")).ProblemAsync(403);
        await (await readOnly.PostAsync($"/api/v1/templates/sync?accountId={accountId}", null)).ProblemAsync(403);
        await (await app.ApiClient(null).GetAsync("/api/v1/templates")).ProblemAsync(401);
        await (await app.ApiClient(null).PostAsync($"/api/v1/templates/sync?accountId={accountId}", null)).ProblemAsync(401);
        (await TemplateNamesAsync(accountId)).Should().BeEmpty("nothing was synced");
    }

    private Task<int> SandboxAccountAsync(string name) =>
        app.CreateAccountAsync(name, app.AccessToken, wabaId: "3" + SandboxAppFactory.NewPhoneNumberId()[1..], isSandbox: true, apiBaseUrl: "");

    private Task<List<string>> TemplateNamesAsync(int accountId) =>
        app.WithDbAsync(db => db.WhatsAppTemplates.Where(t => t.AccountId == accountId).Select(t => t.Name).ToListAsync());
}
