using System.Net;
using WhatsAppDashboard.Features.Analytics;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Analytics;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Dashboard;

/// <summary>The home page: running campaigns (ready for live updates), today's volume in the viewer's zone, 7-day rates,
/// upcoming runs and recent failures, with only the links a role may follow.</summary>
public sealed class HomeDashboardTests(AnalyticsAppFactory app) : IClassFixture<AnalyticsAppFactory>
{
    [Theory]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Marketer)]
    [InlineData(Roles.Viewer)]
    public async Task Home_shows_running_campaigns_today_counts_rates_upcoming_runs_and_failures(string role)
    {
        await app.SeedOnceAsync();
        var (client, _) = await app.SignedInClientAsync(role, AnalyticsAppFactory.Zone);
        var response = await client.GetAsync("/");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await response.ReadHtmlAsync();

        var running = app.Campaigns.Where(c => c.Status is CampaignStatus.Running or CampaignStatus.Paused).ToList();
        var items = page.QuerySelectorAll("[data-testid=running] [data-live-campaign]");
        items.Select(i => i.GetAttribute("data-live-campaign")).Should().BeEquivalentTo(running.Select(c => c.Id.ToString()));
        var live = page.QuerySelector($"[data-live-campaign='{running.Single(c => c.Status == CampaignStatus.Running).Id}']")!;
        live.QuerySelector("[data-testid=campaign-status]")!.GetAttribute("data-status").Should().Be("running");
        live.QuerySelector("[data-testid=progress] [data-counter=total] [data-testid=counter-value]").Text().Should().Be("15");

        // Today in Tokyo, counted from the rows.
        var zone = AnalyticsAppFactory.TokyoZone;
        var rows = (await app.RowsAsync()).Select(r => r.Row).ToList();
        int Today(Func<CampaignRecipient, DateTimeOffset?> at) =>
            rows.Count(r => at(r) is { } t && DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, zone).DateTime) == app.Today);
        Value(page, "sent").Should().Be(CampaignOverview.N(Today(r => r.SentAt)));
        Value(page, "delivered").Should().Be(CampaignOverview.N(Today(r => r.DeliveredAt)));
        Value(page, "read").Should().Be(CampaignOverview.N(Today(r => r.ReadAt)));
        Today(r => r.SentAt).Should().BeGreaterThan(0, "the running campaign sent today");

        page.QuerySelector("[data-rate=delivery] [data-testid=rate-value]").Text().Should().MatchRegex(@"^\d+(\.\d)? %$");
        page.QuerySelector($"[data-testid=upcoming] [data-campaign='{app.ScheduledCampaignId}'] a")!.GetAttribute("href")
            .Should().Be($"/campaigns/{app.ScheduledCampaignId}");
        var failures = page.QuerySelector("[data-testid=recent-failures]")!;
        failures.QuerySelector($"[data-campaign='{app.FailedCampaignId}']").Text().Should().Contain("The account's access token has expired.");

        var canCreate = role != Roles.Viewer;
        page.QuerySelectorAll("a[href='/campaigns/new']").Any().Should().Be(canCreate, "a viewer cannot create campaigns, so is not offered to");
    }

    [Fact]
    public async Task The_seven_day_rates_on_home_are_those_of_the_analytics_figures()
    {
        await app.SeedOnceAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer, AnalyticsAppFactory.Zone);
        var page = await client.GetPageAsync("/");
        var rows = await app.RowsAsync();
        var zone = AnalyticsAppFactory.TokyoZone;
        var week = rows.Where(r => r.Campaign.StartedAt is { } s
                && DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(s, zone).DateTime) >= app.Today.AddDays(-6))
            .Select(r => r.Row).ToList();
        var sent = week.Count(r => r.Status is RecipientStatus.Sent or RecipientStatus.Delivered or RecipientStatus.Read);
        var read = week.Count(r => r.Status == RecipientStatus.Read);
        page.QuerySelector("[data-rate=read] [data-testid=rate-value]").Text().Should().Be(
            WhatsAppDashboard.Features.Analytics.Pages.AnalyticsPage.Percent(MessageFigures.Rate(read, sent)));
    }

    private static string Value(AngleSharp.Dom.IDocument page, string key) =>
        page.QuerySelector($"[data-today={key}] [data-testid=today-value]").Text();
}
