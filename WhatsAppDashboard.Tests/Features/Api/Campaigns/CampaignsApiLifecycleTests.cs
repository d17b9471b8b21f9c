using System.Net;
using System.Text.Json;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns.Insights;

namespace WhatsAppDashboard.Tests.Features.Api.Campaigns;

/// <summary>
/// Start, quick-run, schedule, pause, resume, cancel and retry: 202 with the campaign after a move, 409 with the
/// lifecycle's reason when the move is not allowed. The dispatcher is off here, so a started campaign stays running.
/// </summary>
public sealed class CampaignsApiLifecycleTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static readonly string[] Operator = [Permissions.CampaignsView, Permissions.CampaignsCreate, Permissions.CampaignsExecute];

    private async Task<(HttpClient Client, int AccountId, int TemplateId)> SetUpAsync()
    {
        await app.EnsureAudienceContactAsync();
        var account = await app.AddAccountAsync("Lifecycle " + Guid.NewGuid().ToString("N")[..8]);
        var template = await app.AddTemplateAsync(account, "order_update");
        return (await app.ApiClientWithAsync(Operator), account, template);
    }

    private static async Task<JsonElement> ActAsync(HttpClient client, int id, string action, object? body = null)
    {
        var response = body is null
            ? await client.PostAsync($"/api/v1/campaigns/{id}/{action}", null)
            : await client.PostRawAsync($"/api/v1/campaigns/{id}/{action}", JsonSerializer.Serialize(body, ApiClients.Json));
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, "{0} should be accepted: {1}", action, await response.Content.ReadAsStringAsync());
        response.Headers.Location!.ToString().Should().Be($"/api/v1/campaigns/{id}");
        return await response.JsonAsync();
    }

    private static async Task<string> RefusedAsync(HttpClient client, int id, string action, int status = 409)
    {
        var problem = await (await client.PostAsync($"/api/v1/campaigns/{id}/{action}", null)).ProblemAsync(status);
        return problem.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task A_campaign_is_started_paused_resumed_and_cancelled_and_each_illegal_move_says_why()
    {
        var (client, account, template) = await SetUpAsync();
        var id = await client.CreateCampaignAsync(CampaignsApiTestData.ValidRequest(account, template));

        (await RefusedAsync(client, id, "pause")).Should().Be("Only a running campaign can be paused; this one is draft.");
        var started = await ActAsync(client, id, "start");
        started.GetProperty("status").GetString().Should().Be("running");
        started.GetProperty("totalCount").GetInt32().Should().BeGreaterThan(0);
        started.GetProperty("startedAt").ValueKind.Should().Be(JsonValueKind.String);
        (await RefusedAsync(client, id, "start")).Should().Contain("already running");

        (await ActAsync(client, id, "pause")).GetProperty("status").GetString().Should().Be("paused");
        (await RefusedAsync(client, id, "pause")).Should().Be("The campaign is already paused.");
        (await ActAsync(client, id, "resume")).GetProperty("status").GetString().Should().Be("running");
        (await RefusedAsync(client, id, "resume")).Should().Be("The campaign is already running.");

        (await ActAsync(client, id, "cancel")).GetProperty("status").GetString().Should().Be("cancelled");
        (await RefusedAsync(client, id, "cancel")).Should().Contain("can no longer be cancelled");
        (await RefusedAsync(client, id, "resume")).Should().Contain("cancelled");
        (await RefusedAsync(client, id, "retry")).Should().Contain("Only a running, paused or completed campaign");

        (await app.AuditActionsAsync($"#{id} ")).Should().Equal(
            "campaigns.create", "campaigns.run", "campaigns.pause", "campaigns.resume", "campaigns.cancel");
    }

    [Fact]
    public async Task Schedule_takes_a_time_in_a_zone_and_refuses_a_past_one_without_changing_anything()
    {
        var (client, account, template) = await SetUpAsync();
        var id = await client.CreateCampaignAsync(CampaignsApiTestData.ValidRequest(account, template));
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), zone).DateTime).AddDays(4);

        var noTime = await (await client.PostAsync($"/api/v1/campaigns/{id}/schedule", null)).FieldErrorsAsync("scheduledAt");
        var past = await (await client.PostRawAsync($"/api/v1/campaigns/{id}/schedule",
            JsonSerializer.Serialize(new { scheduledAt = app.Clock.GetUtcNow().AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm'Z'") }))).FieldErrorsAsync("scheduledAt");
        var badZone = await (await client.PostRawAsync($"/api/v1/campaigns/{id}/schedule",
            JsonSerializer.Serialize(new { scheduledAt = $"{day:yyyy-MM-dd}T10:00", timeZone = "Atlantis/Capital" }))).FieldErrorsAsync("timeZone");

        noTime.Single().Should().Contain("no schedule");
        past.Single().Should().Contain("has passed");
        badZone.Single().Should().Contain("IANA");
        var unchanged = await client.GetCampaignAsync(id);
        unchanged.GetProperty("status").GetString().Should().Be("draft");
        unchanged.GetProperty("scheduleKind").GetString().Should().Be("now");

        var scheduled = await ActAsync(client, id, "schedule", new { scheduledAt = $"{day:yyyy-MM-dd}T10:00", timeZone = "America/Sao_Paulo" });

        scheduled.GetProperty("status").GetString().Should().Be("scheduled");
        scheduled.GetProperty("timeZone").GetString().Should().Be("America/Sao_Paulo");
        scheduled.GetProperty("scheduledAt").GetDateTimeOffset()
            .Should().Be(new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(10, 0)), zone), TimeSpan.Zero));
        (await RefusedAsync(client, id, "start")).Should().Contain("has a schedule");
        (await RefusedAsync(client, id, "quick-run")).Should().Contain("Only a draft can be quick-run");
    }

    [Fact]
    public async Task Quick_run_sends_a_scheduled_draft_now()
    {
        var (client, account, template) = await SetUpAsync();
        var request = CampaignsApiTestData.ValidRequest(account, template);
        request["scheduledAt"] = app.Clock.GetUtcNow().AddDays(3).ToString("yyyy-MM-dd'T'HH:mm'Z'");
        var id = await client.CreateCampaignAsync(request);
        (await RefusedAsync(client, id, "start")).Should().Contain("quick-run");

        var running = await ActAsync(client, id, "quick-run");

        running.GetProperty("status").GetString().Should().Be("running");
        running.GetProperty("scheduleKind").GetString().Should().Be("now");
        (await RefusedAsync(client, id, "quick-run")).Should().Contain("only drafts and scheduled campaigns can be changed");
    }

    [Fact]
    public async Task Retry_puts_failed_or_unknown_recipients_back_and_refuses_an_unknown_scope()
    {
        var (client, account, template) = await SetUpAsync();
        var id = await app.AddCampaignAsync("Retry me", account, template, CampaignStatus.Running);
        var seeded = InsightsTestData.Distribution(id, 100);
        await app.SeedRecipientsAsync(id, seeded);
        async Task<int> TotalAsync(string status) =>
            (await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?status={status}")).JsonAsync()).GetProperty("total").GetInt32();
        var pendingBefore = await TotalAsync("pending");

        (await (await client.PostRawAsync($"/api/v1/campaigns/{id}/retry", "{ \"scope\": \"everyone\" }")).FieldErrorsAsync("scope")).Should().NotBeEmpty();
        await ActAsync(client, id, "retry", new { scope = "failed" });
        (await TotalAsync("failed")).Should().Be(0);
        await ActAsync(client, id, "retry", new { scope = "unknown" });
        (await TotalAsync("unknown")).Should().Be(0);

        (await TotalAsync("pending")).Should().Be(pendingBefore
            + seeded.Count(s => s.Status is RecipientStatus.Failed or RecipientStatus.Unknown));
        (await RefusedAsync(client, id, "retry")).Should().Contain("no failed recipients");
    }

    [Theory]
    [InlineData("start")]
    [InlineData("quick-run")]
    [InlineData("schedule")]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("cancel")]
    [InlineData("retry")]
    public async Task Every_action_needs_campaigns_execute_and_a_campaign_that_exists(string action)
    {
        var (client, account, template) = await SetUpAsync();
        var id = await app.AddCampaignAsync("Untouched", account, template);

        await RefusedAsync(client, 987654, action, 404);
        var noExecute = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsCreate, Permissions.CampaignsEdit);
        await (await noExecute.PostAsync($"/api/v1/campaigns/{id}/{action}", null)).ProblemAsync(403);
        await (await app.ApiClient(null).PostAsync($"/api/v1/campaigns/{id}/{action}", null)).ProblemAsync(401);
        (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Draft);
    }
}
