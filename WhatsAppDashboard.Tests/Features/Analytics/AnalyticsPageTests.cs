using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Analytics;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Analytics;

/// <summary>The analytics page over HTTP: who may open it, what its filters do, and that it shows the service's figures.</summary>
public sealed class AnalyticsPageTests(AnalyticsAppFactory app) : IClassFixture<AnalyticsAppFactory>
{
    [Theory]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Marketer)]
    [InlineData(Roles.Viewer)]
    public async Task Every_role_with_campaign_view_sees_the_totals_funnel_table_reasons_and_chart(string role)
    {
        await app.SeedOnceAsync();
        var (client, _) = await app.SignedInClientAsync(role, AnalyticsAppFactory.Zone);
        var response = await client.GetAsync("/analytics?range=30");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await response.ReadHtmlAsync();

        var expected = await ReportAsync(AnalyticsQuery.LastDays(30, app.Clock.GetUtcNow(), AnalyticsAppFactory.TokyoZone));
        expected.IsEmpty.Should().BeFalse();
        Total(page, "recipients").Should().Be(CampaignOverview.N(expected.Totals.Recipients));
        Total(page, "sent").Should().Be(CampaignOverview.N(expected.Totals.Sent));
        Total(page, "delivered").Should().Be(CampaignOverview.N(expected.Totals.Delivered));
        Total(page, "read").Should().Be(CampaignOverview.N(expected.Totals.Read));
        Total(page, "failed").Should().Be(CampaignOverview.N(expected.Totals.Failed));
        page.QuerySelector("[data-step=read] [data-testid=step-value]").Text().Should().Be(CampaignOverview.N(expected.Totals.Read));

        var rows = page.QuerySelectorAll("[data-testid=campaign-figures] tbody tr");
        rows.Select(r => r.GetAttribute("data-campaign")).Should().Equal(expected.Campaigns.Select(c => c.CampaignId.ToString()));
        rows[0].QuerySelector("a")!.GetAttribute("href").Should().Be($"/campaigns/{expected.Campaigns[0].CampaignId}");
        page.QuerySelectorAll("[data-testid=failure-reasons] tbody tr").Should().HaveCount(expected.FailureReasons.Count);
        page.QuerySelector("[data-testid=daily-chart]")!.GetAttribute("data-timeline").Should().Contain("\"sent\":[");
        page.QuerySelector("[data-testid=range-summary]").Text().Should().Contain("30 days").And.Contain(AnalyticsAppFactory.Zone);
    }

    [Fact]
    public async Task Filters_travel_in_the_address_and_a_bad_range_is_explained()
    {
        await app.SeedOnceAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer, AnalyticsAppFactory.Zone);

        var accountOnly = await client.GetPageAsync($"/analytics?range=90&account={app.AccountB}&sort=sent&dir=asc");
        var expected = await ReportAsync(AnalyticsQuery.LastDays(90, app.Clock.GetUtcNow(), AnalyticsAppFactory.TokyoZone, app.AccountB)
            with { Sort = CampaignFigureSort.Sent, Descending = false });
        accountOnly.QuerySelectorAll("[data-testid=campaign-figures] tbody tr").Select(r => r.GetAttribute("data-campaign"))
            .Should().Equal(expected.Campaigns.Select(c => c.CampaignId.ToString()));
        expected.Campaigns.Should().OnlyContain(c => c.AccountId == app.AccountB);
        accountOnly.QuerySelector($"#filter-account option[value='{app.AccountB}']")!.HasAttribute("selected").Should().BeTrue();
        accountOnly.QuerySelector("a[data-sort=sent] i")!.GetAttribute("class").Should().Contain("sort-up");

        var from = app.Today.AddDays(-20);
        var edited = await client.GetPageAsync($"/analytics?range=7&from={from:yyyy-MM-dd}&to={app.Today.AddDays(-10):yyyy-MM-dd}");
        edited.QuerySelector("#filter-range option[value=custom]")!.HasAttribute("selected").Should().BeTrue("dates changed by hand make a custom range");
        edited.QuerySelector("[data-testid=range-summary]").Text().Should().Contain("(11 days");

        var backwards = await client.GetPageAsync("/analytics?range=custom&from=2026-05-10&to=2026-05-01");
        backwards.QuerySelector("[data-testid=range-problem]").Text().Should().Contain("ends before it starts");

        var nothing = await client.GetPageAsync("/analytics?range=custom&from=2001-01-01&to=2001-01-31");
        nothing.QuerySelector("[data-testid=range-problem]").Should().BeNull();
        nothing.QuerySelector("[data-testid=empty-state]").Text().Should().Contain("No campaign ran in this period");
        nothing.QuerySelector("[data-testid=totals]").Should().BeNull();
    }

    [Fact]
    public async Task Someone_not_signed_in_is_sent_to_the_sign_in_page()
    {
        var client = app.CreateBrowserlessClient();
        foreach (var url in new[] { "/analytics", "/" })
        {
            var response = await client.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/login", url);
        }
    }

    private async Task<AnalyticsReport> ReportAsync(AnalyticsQuery query)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AnalyticsQueries>().GetReportAsync(query);
    }

    private static string Total(AngleSharp.Dom.IDocument page, string key) =>
        page.QuerySelector($"[data-total={key}] [data-testid=total-value]").Text();
}
