using System.Net;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Analytics;

namespace WhatsAppDashboard.Tests.Features.Api;

/// <summary><c>GET /api/v1/dashboard</c>: the home page's figures as JSON, for keys that may view campaigns.</summary>
public sealed class DashboardApiTests(AnalyticsAppFactory app) : IClassFixture<AnalyticsAppFactory>
{
    [Fact]
    public async Task The_dashboard_answers_with_the_home_figures_in_the_asked_time_zone()
    {
        await app.SeedOnceAsync();
        using var client = await app.ApiClientWithAsync(Permissions.CampaignsView);
        var response = await client.GetAsync($"/api/v1/dashboard?timeZone={AnalyticsAppFactory.Zone}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var json = await response.JsonAsync();

        json.GetProperty("timeZone").GetString().Should().Be(AnalyticsAppFactory.Zone);
        var zone = AnalyticsAppFactory.TokyoZone;
        var rows = (await app.RowsAsync()).Select(r => r.Row).ToList();
        int Today(Func<CampaignRecipient, DateTimeOffset?> at) =>
            rows.Count(r => at(r) is { } t && DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, zone).DateTime) == app.Today);
        var today = json.GetProperty("today");
        today.GetProperty("date").GetString().Should().Be(app.Today.ToString("yyyy-MM-dd"));
        (today.GetProperty("sent").GetInt32(), today.GetProperty("delivered").GetInt32(), today.GetProperty("read").GetInt32())
            .Should().Be((Today(r => r.SentAt), Today(r => r.DeliveredAt), Today(r => r.ReadAt)));

        var running = json.GetProperty("running").EnumerateArray().ToList();
        running.Select(r => r.GetProperty("id").GetInt32()).Should().BeEquivalentTo(
            app.Campaigns.Where(c => c.Status is CampaignStatus.Running or CampaignStatus.Paused).Select(c => c.Id));
        running.Should().Contain(r => r.GetProperty("status").GetString() == "running" && r.GetProperty("total").GetInt32() == 15);
        json.GetProperty("upcoming").EnumerateArray().Select(u => u.GetProperty("campaignId").GetInt32()).Should().Contain(app.ScheduledCampaignId);
        json.GetProperty("recentFailures").EnumerateArray().Select(f => f.GetProperty("campaignId").GetInt32()).Should().Contain(app.FailedCampaignId);
        var week = json.GetProperty("lastSevenDays");
        week.GetProperty("from").GetString().Should().Be(app.Today.AddDays(-6).ToString("yyyy-MM-dd"));
        week.GetProperty("deliveryRate").GetDouble().Should().BeInRange(0, 1);
    }

    [Fact]
    public async Task The_dashboard_needs_a_key_that_may_view_campaigns_and_a_real_time_zone()
    {
        using var anonymous = app.ApiClient(null);
        (await anonymous.GetAsync("/api/v1/dashboard")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        using var contactsOnly = await app.ApiClientWithAsync(Permissions.ContactsManage);
        (await contactsOnly.GetAsync("/api/v1/dashboard")).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var viewer = await app.ApiClientWithAsync(Permissions.CampaignsView);
        var problem = await (await viewer.GetAsync("/api/v1/dashboard?timeZone=Mars/Olympus")).ProblemAsync(400);
        problem.GetProperty("errors").GetProperty("timeZone")[0].GetString().Should().Contain("Mars/Olympus");

        var utc = await (await viewer.GetAsync("/api/v1/dashboard")).JsonAsync();
        utc.GetProperty("timeZone").GetString().Should().Be("UTC");
    }
}
