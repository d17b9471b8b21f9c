using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns.Insights;

/// <summary>The campaign page's result sections: timeline, button clicks, failure reasons and the recipients table, read
/// through the real page with the filter in the query string.</summary>
public sealed class CampaignResultsPageTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private async Task<(int Id, List<SeedRecipient> Rows)> SeededAsync(string name)
    {
        List<SeedRecipient> rows = [];
        var id = await app.CampaignWithRecipientsAsync(name, campaignId => rows = InsightsTestData.Distribution(campaignId));
        return (id, rows);
    }

    private static IReadOnlyList<string> Column(IDocument page, string field) =>
        page.QuerySelectorAll($"[data-testid=recipients-table] tbody [data-field={field}]").Select(e => e.Text()).ToList();

    [Fact]
    public async Task A_viewer_sees_the_timeline_clicks_failures_and_the_first_page_of_recipients()
    {
        var (id, rows) = await SeededAsync("Results for viewers");
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var page = await client.GetPageAsync($"/campaigns/{id}");

        page.QuerySelector("h1")!.TextContent.Should().Be("Results for viewers", "the page keeps its heading");
        page.QuerySelector("[data-testid=timeline-bucket]").Text().Should().Be("Per minute · times in UTC");
        page.QuerySelector("canvas[data-timeline]").Should().NotBeNull();
        var timeline = page.QuerySelectorAll("[data-testid=timeline-table] tbody tr").ToList();
        timeline.Sum(r => int.Parse(r.QuerySelector("[data-field=sent]")!.TextContent)).Should().Be(rows.Count(r => r.SentAt is not null));
        timeline.Sum(r => int.Parse(r.QuerySelector("[data-field=read]")!.TextContent)).Should().Be(rows.Count(r => r.ReadAt is not null));
        timeline[0].QuerySelector("th").Text().Should().Be("2026-11-20 10:00");
        timeline[0].QuerySelectorAll("td").Select(c => c.TextContent).Should().Equal(["4", "3", "0", "0"],
            "the first minute holds four sends (one every 15 s) and the three deliveries 20 s after the first three");

        page.QuerySelectorAll("[data-testid=button-clicks-table] tbody tr")
            .Select(r => $"{r.QuerySelector("[data-field=button]").Text()}|{r.QuerySelector("[data-field=payload]").Text()}|{r.QuerySelector("[data-field=count]").Text()}|{r.QuerySelector("[data-field=share]").Text()}")
            .Should().Equal("Yes please|YES|14|45%", "Tell me more|MORE|10|32%", "Stop promotions|STOP|7|23%");
        page.QuerySelector("[data-testid=button-clicks-table] [data-field=total]").Text().Should().Be("31");

        page.QuerySelectorAll("[data-testid=failure-reasons-table] tbody tr")
            .Select(r => $"{r.QuerySelector("[data-field=code]").Text()}|{r.QuerySelector("[data-field=title]").Text()}|{r.QuerySelector("[data-field=count]").Text()}")
            .Should().Equal(
                "131026|Message undeliverable: Unable to deliver the message.|10",
                $"131049|{InsightsTestData.EcosystemTitle}|5",
                "132015|Template is paused|5");

        page.QuerySelector("[data-testid=recipient-count]").Text().Should().Be("Showing 1–50 of 200 recipients");
        Column(page, "phone").Should().Equal(rows.Take(50).Select(r => r.Phone));
        page.QuerySelector("[data-testid=recipients-table] tbody tr [data-testid=recipient-status]")!.GetAttribute("data-status").Should().Be("read");
        page.QuerySelector<IHtmlAnchorElement>("[data-testid=export-recipients]")!.GetAttribute("href").Should().Be($"/campaigns/{id}/recipients.csv");
        page.QuerySelectorAll("[data-testid=recipient-pager] a.page-link").Select(a => a.TextContent).Should().Equal("«", "1", "2", "3", "4", "»");
    }

    [Fact]
    public async Task The_filter_form_is_a_get_form_and_its_values_narrow_the_table_and_the_export_link()
    {
        var (id, _) = await SeededAsync("Filtered results");
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var form = (await client.GetPageAsync($"/campaigns/{id}")).QuerySelector<IHtmlFormElement>("[data-testid=recipient-filters]")!;
        form.Method.Should().BeEquivalentTo("get", "filtering must work without scripts and be bookmarkable");
        form.GetAttribute("action").Should().Be($"/campaigns/{id}#recipients");
        form.Elements.OfType<IHtmlInputElement>().Select(e => e.Name).Should().Contain("q");
        form.Elements.OfType<IHtmlSelectElement>().Select(e => e.Name).Should().Equal("status", "size");
        form.QuerySelectorAll("select[name=status] option").Select(o => o.Text()).Should().Equal(
            "All statuses (200)", "Pending (20)", "Sending (0)", "Sent (20)", "Delivered (40)", "Read (60)", "Failed (20)", "Skipped (20)", "Unknown (20)");

        var byName = await client.GetPageAsync($"/campaigns/{id}?q=ANA");
        Column(byName, "name").Should().Equal("Ana Souza", "ANA LIMA");
        byName.QuerySelector<IHtmlInputElement>("#recipients-q")!.Value.Should().Be("ANA");
        byName.QuerySelector<IHtmlAnchorElement>("[data-testid=export-recipients]")!.GetAttribute("href").Should().Be($"/campaigns/{id}/recipients.csv?q=ANA");

        var failed = await client.GetPageAsync($"/campaigns/{id}?status=failed&q=%2B44%207700%20900%20016");
        Column(failed, "phone").Should().Equal("+447700900016");
        Column(failed, "error").Should().Equal("131026 Message undeliverable: Unable to deliver the message.");
        failed.QuerySelector<IHtmlSelectElement>("#recipients-status")!.Value.Should().Be("failed");
        var failedAt = failed.QuerySelector("[data-testid=recipients-table] [data-field=status-at]")!;
        failedAt.Text().Should().Be("2026-11-20 10:04:01");
        failedAt.ClassList.Should().NotContain("d-xl-none", "the failure time has no column of its own, so it shows on wide screens too");

        var none = await client.GetPageAsync($"/campaigns/{id}?q=nobody");
        none.QuerySelector("[data-testid=recipients-section] [data-testid=empty-state]").Text().Should().Contain("No recipients match this filter");
        none.QuerySelector("[data-testid=recipients-table]").Should().BeNull();
    }

    [Fact]
    public async Task Paging_keeps_the_filter_and_a_page_past_the_end_shows_the_last_one()
    {
        var (id, rows) = await SeededAsync("Paged results");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var read = rows.Where(r => r.Status == RecipientStatus.Read).ToList();

        var page = await client.GetPageAsync($"/campaigns/{id}?status=read&size=25&page=99");

        page.QuerySelector("[data-testid=recipient-count]").Text().Should().Be("Showing 51–60 of 60 recipients");
        Column(page, "phone").Should().Equal(read.Skip(50).Select(r => r.Phone));
        page.QuerySelector("[data-testid=recipient-pager] .active").Text().Should().Be("3");
        page.QuerySelectorAll("[data-testid=recipient-pager] a.page-link").Select(a => a.GetAttribute("href")).Should().Equal(
            $"/campaigns/{id}?status=read&page=2&size=25#recipients",
            $"/campaigns/{id}?status=read&size=25#recipients",
            $"/campaigns/{id}?status=read&page=2&size=25#recipients",
            $"/campaigns/{id}?status=read&page=3&size=25#recipients",
            $"/campaigns/{id}?status=read&page=3&size=25#recipients");
        page.QuerySelector<IHtmlAnchorElement>("[data-testid=export-recipients]")!.GetAttribute("href")
            .Should().Be($"/campaigns/{id}/recipients.csv?status=read", "the export takes the filter, not the page");

        var clamped = await client.GetPageAsync($"/campaigns/{id}?size=100000&page=abc");
        Column(clamped, "phone").Should().HaveCount(100, "no page is longer than 100 rows");
    }

    [Fact]
    public async Task Times_are_shown_in_the_readers_zone_with_the_exact_utc_instant_alongside()
    {
        var (id, _) = await SeededAsync("Zoned results");
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer, "Asia/Kolkata");

        var page = await client.GetPageAsync($"/campaigns/{id}");

        var sent = page.QuerySelector("[data-testid=recipients-table] tbody tr [data-field=sent-at] time")!;
        sent.TextContent.Should().Be("2026-11-20 15:30:00");
        sent.GetAttribute("datetime").Should().Be("2026-11-20T10:00:00Z");
        page.QuerySelector("[data-testid=timeline-bucket]").Text().Should().Be("Per minute · times in Asia/Kolkata");
        page.QuerySelector("[data-testid=timeline-table] tbody th").Text().Should().Be("2026-11-20 15:30");
    }

    [Fact]
    public async Task A_campaign_with_no_recipients_shows_an_empty_state_in_every_section()
    {
        var account = await app.AddAccountAsync("Quiet account");
        var id = await app.AddCampaignAsync("Not started", account, await app.AddTemplateAsync(account, "order_update"));
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var page = await client.GetPageAsync($"/campaigns/{id}");

        foreach (var (section, title) in new[]
                 {
                     ("timeline-section", "Nothing sent yet"), ("button-clicks-section", "No button clicks yet"),
                     ("failure-reasons-section", "No failed messages"), ("recipients-section", "No recipients yet"),
                 })
            page.QuerySelector($"[data-testid={section}] [data-testid=empty-state]").Text().Should().StartWith(title, section);
        page.QuerySelector("canvas").Should().BeNull("there is nothing to draw");
        page.QuerySelector("[data-testid=export-recipients]").Should().BeNull("there is nothing to export");
        page.QuerySelector("[data-testid=recipient-filters]").Should().BeNull();
        page.QuerySelectorAll("script[src*=chart]").Should().BeEmpty("the chart library is only loaded when there is a chart");
    }

    [Fact]
    public async Task An_anonymous_visitor_is_sent_to_sign_in_before_seeing_any_recipient()
    {
        var (id, _) = await SeededAsync("Private results");

        var response = await app.CreateBrowserlessClient().GetAsync($"/campaigns/{id}?q=ana");

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.Should().Be("/account/login");
    }
}
