using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns.Insights;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>A viewer reads the analytics of a past week on a phone: the daily chart is drawn and nothing scrolls sideways.</summary>
public sealed class AnalyticsJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    [Fact]
    public async Task The_analytics_page_draws_its_daily_chart_and_fits_a_375_px_screen()
    {
        int id;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var campaign = CampaignTransitionsTests.CampaignIn(CampaignStatus.Completed);
            campaign.Name = "Black Friday reminder with a rather long name that has to wrap on a phone";
            campaign.CreatedByName = "arranged@test.example";
            campaign.CreatedAt = campaign.UpdatedAt = InsightsTestData.Start;
            campaign.StartedAt = InsightsTestData.Start;
            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync();
            id = campaign.Id;
        }
        var rows = InsightsTestData.Distribution(id);
        await app.SeedRecipientsAsync(id, rows);
        var viewer = await app.CreateUserAsync(Roles.Viewer);
        var day = InsightsTestData.Start.UtcDateTime.ToString("yyyy-MM-dd");

        await app.RunAsync("analytics-375", async page =>
        {
            await new ShellPage(page).SignInAsync(viewer.Email, viewer.Password);
            await page.GotoAsync($"/analytics?range=custom&from={InsightsTestData.Start.AddDays(-3):yyyy-MM-dd}&to={InsightsTestData.Start.AddDays(3):yyyy-MM-dd}");

            await page.WaitForFunctionAsync("() => !!window.Chart?.getChart(document.querySelector('[data-testid=daily-chart]'))");
            var totals = await page.EvaluateAsync<int[]>(
                "() => window.Chart.getChart(document.querySelector('[data-testid=daily-chart]')).data.datasets.map(d => d.data.reduce((a, b) => a + b, 0))");
            totals.Should().Equal(
                [rows.Count(r => r.SentAt is not null), rows.Count(r => r.DeliveredAt is not null), rows.Count(r => r.ReadAt is not null), rows.Count(r => r.FailedAt is not null)],
                "the chart draws every day's sent, delivered, read and failed messages");
            var labels = await page.EvaluateAsync<string[]>("() => window.Chart.getChart(document.querySelector('[data-testid=daily-chart]')).data.labels");
            labels.Should().HaveCount(7).And.Contain(day[5..]);

            await Assertions.Expect(page.Locator($"[data-testid=campaign-figures] tr[data-campaign='{id}'] a")).ToHaveAttributeAsync("href", $"/campaigns/{id}");
            await Assertions.Expect(page.Locator("[data-total=sent] [data-testid=total-value]"))
                .ToHaveTextAsync(rows.Count(r => r.Status is RecipientStatus.Sent or RecipientStatus.Delivered or RecipientStatus.Read).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));

            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            overflow.Should().BeLessThanOrEqualTo(0, "a 375 px screen needs no sideways scrolling");

            // The home page too, with its sections stacked.
            await page.GotoAsync("/");
            await Assertions.Expect(page.GetByTestId("today")).ToBeVisibleAsync();
            overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            overflow.Should().BeLessThanOrEqualTo(0, "the home page fits a 375 px screen too");
        }, width: 375, height: 740);
    }
}
