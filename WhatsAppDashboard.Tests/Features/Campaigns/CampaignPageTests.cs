using System.Net;
using AngleSharp.Dom;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>The campaign page: what it shows, and the actions the status and the user's role allow.</summary>
public sealed class CampaignPageTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private async Task<int> CampaignAsync(string name, CampaignStatus status = CampaignStatus.Draft, Action<Campaign>? configure = null)
    {
        var account = await app.AddAccountAsync($"{name} account");
        var template = await app.AddTemplateAsync(account, "order_update");
        return await app.AddCampaignAsync(name, account, template, status, configure: configure);
    }

    private static IReadOnlyList<string> Actions(IDocument page) =>
        page.QuerySelectorAll("[data-testid=campaign-actions] [data-action]").Select(a => a.GetAttribute("data-action")!).ToList();

    [Fact]
    public async Task The_page_shows_status_counters_schedule_audience_template_and_who_created_it_in_the_readers_zone()
    {
        var id = await CampaignAsync("Harvest festival", CampaignStatus.Scheduled, c =>
        {
            c.ScheduleKind = ScheduleKind.Once;
            c.TimeZoneId = "Europe/Paris";
            c.ScheduledLocalTime = new DateTime(2030, 9, 20, 18, 0, 0);
            c.ScheduledAt = new DateTimeOffset(2030, 9, 20, 16, 0, 0, TimeSpan.Zero);
            c.CreatedAt = new DateTimeOffset(2026, 11, 2, 8, 15, 0, TimeSpan.Zero);
            c.LastError = "Meta said: template paused (132015)";
            (c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount) = (40, 30, 25, 12, 6, 4);
        });
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer, "America/Los_Angeles");

        var page = await client.GetPageAsync($"/campaigns/{id}");

        page.QuerySelector("h1")!.TextContent.Should().Be("Harvest festival");
        page.QuerySelector(".page-header [data-testid=campaign-status]")!.GetAttribute("data-status").Should().Be("scheduled");
        page.QuerySelectorAll("[data-testid=counter-tiles] [data-counter]").ToDictionary(e => e.GetAttribute("data-counter")!, e => e.TextContent)
            .Should().Equal(new Dictionary<string, string>
            {
                ["total"] = "40", ["sent"] = "30", ["delivered"] = "25", ["read"] = "12", ["failed"] = "6", ["skipped"] = "4",
                ["replied"] = "0", ["clicks"] = "0",
            });
        page.QuerySelectorAll("[data-testid=counter-tiles] [data-testid=counter-share]").Select(e => e.TextContent).Should()
            .Equal(["75%", "83%", "48%", "15%", "10%", "0%", "0%"], "sent of total, delivered of sent, read of delivered, failed and skipped of total, replies and clicks of sent");
        page.QuerySelector("[role=progressbar]")!.GetAttribute("aria-valuenow").Should().Be("100");
        page.QuerySelector("[data-testid=schedule-description]").Text().Should().Be("Once, on Fri 20 Sep 2030 at 18:00 (Europe/Paris).");
        page.QuerySelector("[data-testid=scheduled-at]").Text().Should().Be("2030-09-20 09:00", "shown in the reader's zone");
        page.QuerySelector("[data-testid=occurrences] li").Text().Should().Contain("(2030-09-20 09:00 your time)");
        page.QuerySelector("[data-testid=audience-description]").Text().Should().Be("All contacts (active contacts only).");
        page.QuerySelector("[data-testid=audience-size]").Text().Should().Be("Size: 0 people today.",
            "the audience is counted now, and this database has no contacts");
        page.QuerySelector("[data-testid=template-summary]").Text().Should().Contain("order_update en_US APPROVED");
        page.QuerySelector("[data-testid=created-by]").Text().Should().Be("arranged@test.example");
        page.QuerySelector("[data-testid=created-at]").Text().Should().Be("2026-11-02 00:15");
        page.QuerySelector("[data-testid=last-error]").Text().Should().Be("Meta said: template paused (132015)");
    }

    [Theory]
    [InlineData(CampaignStatus.Draft, new[] { "edit", "copy", "cancel", "delete" })]
    [InlineData(CampaignStatus.Scheduled, new[] { "edit", "copy", "cancel", "delete" })]
    [InlineData(CampaignStatus.Running, new[] { "copy", "cancel" })]
    [InlineData(CampaignStatus.Paused, new[] { "copy", "cancel", "delete" })]
    [InlineData(CampaignStatus.Completed, new[] { "copy", "delete" })]
    [InlineData(CampaignStatus.Failed, new[] { "copy", "delete" })]
    [InlineData(CampaignStatus.Cancelled, new[] { "copy", "delete" })]
    public async Task The_actions_offered_follow_the_status(CampaignStatus status, string[] expected)
    {
        var id = await CampaignAsync($"Actions {status}", status);
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        Actions(await client.GetPageAsync($"/campaigns/{id}")).Should().Equal(expected);
    }

    [Fact]
    public async Task Cancelling_asks_first_then_records_cancelled_and_a_second_cancel_is_refused()
    {
        var id = await CampaignAsync("Stop it", CampaignStatus.Running);
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync($"/campaigns/{id}");
        page.QuerySelector("[data-action=cancel]")!.GetAttribute("data-confirm").Should()
            .Be("Cancel “Stop it”? A cancelled campaign cannot be restarted (you can copy it).");

        var response = await client.SubmitAsync(page.Form("campaign-page-actions"), submitter: ("Action.Command", $"cancel:{id}"));

        response.RedirectTarget().Should().Be($"/campaigns/{id}");
        var after = await client.GetPageAsync($"/campaigns/{id}");
        after.FlashTexts().Should().Contain("“Stop it” is cancelled.");
        after.QuerySelector(".page-header [data-testid=campaign-status]")!.GetAttribute("data-status").Should().Be("cancelled");
        (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Cancelled);

        var again = await client.SubmitAsync(page.Form("campaign-page-actions"), submitter: ("Action.Command", $"cancel:{id}"));
        (await again.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]").Text().Should().Be("The campaign is cancelled and can no longer be cancelled.");
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.cancel");
    }

    [Fact]
    public async Task Copy_and_delete_from_the_page()
    {
        var id = await CampaignAsync("Page copy", CampaignStatus.Failed);
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync($"/campaigns/{id}");

        var copied = await client.SubmitAsync(page.Form("campaign-page-actions"), submitter: ("Action.Command", $"copy:{id}"));
        var copyId = int.Parse(copied.RedirectTarget().Split('/')[2]);
        (await app.FindCampaignAsync(copyId))!.Name.Should().Be("Copy of Page copy");

        page.QuerySelector("[data-action=delete]")!.GetAttribute("data-confirm").Should().Be("Delete “Page copy”? This cannot be undone.");
        var deleted = await client.SubmitAsync(page.Form("campaign-page-actions"), submitter: ("Action.Command", $"delete:{id}"));
        deleted.RedirectTarget().Should().Be("/campaigns");
        (await client.GetAsync($"/campaigns/{id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private static Action<Campaign> DailySeries => c =>
    {
        c.ScheduleKind = ScheduleKind.Recurring;
        c.TimeZoneId = "UTC";
        (c.Recurrence, c.RecurrenceTime, c.RecurrenceStart, c.RecurrenceEnd) = (RecurrenceFrequency.Daily, new TimeOnly(9, 0), new DateOnly(2030, 3, 1), new DateOnly(2030, 3, 31));
        c.ScheduledAt = new DateTimeOffset(2030, 3, 3, 9, 0, 0, TimeSpan.Zero);
    };

    private Task<int> RunAsync(int seriesId, DateOnly date, CampaignStatus status, int total, int sent, int failed) =>
        CampaignAsync($"Daily digest · {date:yyyy-MM-dd}", status, c =>
        {
            (c.ParentCampaignId, c.OccurrenceDate, c.ScheduleKind) = (seriesId, date, ScheduleKind.Now);
            (c.TotalCount, c.SentCount, c.FailedCount) = (total, sent, failed);
        });

    [Fact]
    public async Task A_recurring_campaign_lists_its_runs_newest_first_and_each_run_links_back_to_its_series()
    {
        var seriesId = await CampaignAsync("Daily digest", CampaignStatus.Scheduled, DailySeries);
        var first = await RunAsync(seriesId, new DateOnly(2030, 3, 1), CampaignStatus.Completed, 120, 117, 3);
        var second = await RunAsync(seriesId, new DateOnly(2030, 3, 2), CampaignStatus.Running, 121, 40, 0);
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer, "UTC");

        var page = await client.GetPageAsync($"/campaigns/{seriesId}");

        var rows = page.QuerySelectorAll("[data-testid=campaign-runs] tbody tr");
        rows.Select(r => (
                r.QuerySelector("a")!.TextContent, r.QuerySelector("a")!.GetAttribute("href"),
                r.QuerySelector("[data-testid=campaign-status]")!.GetAttribute("data-status"),
                r.QuerySelector("[data-counter=total]")!.TextContent, r.QuerySelector("[data-counter=sent]")!.TextContent,
                r.QuerySelector("[data-counter=failed]")!.TextContent))
            .Should().Equal(
                ("2030-03-02", $"/campaigns/{second}", "running", "121", "40", "0"),
                ("2030-03-01", $"/campaigns/{first}", "completed", "120", "117", "3"));

        var run = await client.GetPageAsync($"/campaigns/{first}");

        var back = run.QuerySelector("[data-testid=series-link]")!;
        back.TextContent.Should().Contain("2030-03-01");
        back.QuerySelector("a")!.GetAttribute("href").Should().Be($"/campaigns/{seriesId}");
        back.QuerySelector("a")!.TextContent.Should().Be("Daily digest");
        run.QuerySelector("[data-testid=campaign-runs]").Should().BeNull("a run is not a series itself");
    }

    [Fact]
    public async Task A_recurring_campaign_without_runs_says_so_and_a_one_off_campaign_has_no_runs_section()
    {
        var seriesId = await CampaignAsync("Weekly tips", CampaignStatus.Scheduled, DailySeries);
        var oneOff = await CampaignAsync("Single blast");
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer, "UTC");

        var page = await client.GetPageAsync($"/campaigns/{seriesId}");

        page.QuerySelector("[data-testid=campaign-runs]")!.TextContent.Should().Contain("No runs yet");
        page.QuerySelectorAll("[data-testid=campaign-runs] tbody tr").Should().BeEmpty();
        page.QuerySelector("[data-testid=series-link]").Should().BeNull();
        (await client.GetPageAsync($"/campaigns/{oneOff}")).QuerySelector("[data-testid=campaign-runs]").Should().BeNull();
    }
}
