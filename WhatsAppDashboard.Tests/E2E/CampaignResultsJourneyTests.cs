using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns.Insights;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>A viewer opens a finished campaign on a phone: the timeline is a real chart and nothing scrolls sideways.</summary>
public sealed class CampaignResultsJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    /// <summary>A completed campaign holding the seeded distribution (no account or template: the results need neither).</summary>
    private async Task<(int Id, List<SeedRecipient> Rows)> CompletedCampaignAsync()
    {
        int id;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var campaign = CampaignTransitionsTests.CampaignIn(CampaignStatus.Completed);
            campaign.Name = "Black Friday reminder with a rather long name that has to wrap on a phone";
            campaign.CreatedByName = "arranged@test.example";
            campaign.CreatedAt = campaign.UpdatedAt = InsightsTestData.Start;
            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync();
            id = campaign.Id;
        }
        var rows = InsightsTestData.Distribution(id);
        await app.SeedRecipientsAsync(id, rows);
        return (id, rows);
    }

    [Fact]
    public async Task The_timeline_chart_is_drawn_and_the_campaign_results_fit_a_375_px_screen()
    {
        var (id, rows) = await CompletedCampaignAsync();
        var viewer = await app.CreateUserAsync(Roles.Viewer);

        await app.RunAsync("campaign-results-375", async page =>
        {
            await new ShellPage(page).SignInAsync(viewer.Email, viewer.Password);
            await page.GotoAsync($"/campaigns/{id}?status=failed");

            await page.WaitForFunctionAsync("() => !!window.Chart?.getChart(document.querySelector('canvas[data-timeline]'))");
            var totals = await page.EvaluateAsync<int[]>(
                "() => window.Chart.getChart(document.querySelector('canvas[data-timeline]')).data.datasets.map(d => d.data.reduce((a, b) => a + b, 0))");
            totals.Should().Equal(
                [rows.Count(r => r.SentAt is not null), rows.Count(r => r.DeliveredAt is not null), rows.Count(r => r.ReadAt is not null), rows.Count(r => r.FailedAt is not null)],
                "the chart draws the sent, delivered, read and failed series of every minute");
            var box = await page.GetByTestId("timeline-chart").BoundingBoxAsync();
            box!.Width.Should().BeGreaterThan(200, "the chart fills the card");
            box.Height.Should().BeGreaterThan(150);

            await Assertions.Expect(page.Locator("[data-testid=recipients-table] tbody tr")).ToHaveCountAsync(20);
            await Assertions.Expect(page.GetByTestId("export-recipients")).ToHaveAttributeAsync("href", $"/campaigns/{id}/recipients.csv?status=failed");

            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            overflow.Should().BeLessThanOrEqualTo(0, "a 375 px screen needs no sideways scrolling");
        }, width: 375, height: 740);
    }
}
