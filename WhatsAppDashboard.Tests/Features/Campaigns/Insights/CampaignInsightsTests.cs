using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Insights;

namespace WhatsAppDashboard.Tests.Features.Campaigns.Insights;

/// <summary>The insights service against recipient rows seeded with a known distribution: what the campaign page and the
/// REST API read.</summary>
public sealed class CampaignInsightsTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private async Task<T> WithInsightsAsync<T>(Func<CampaignInsights, Task<T>> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CampaignInsights>());
    }

    private async Task<(int Id, List<SeedRecipient> Rows)> SeededAsync(string name, int count = 200)
    {
        List<SeedRecipient> rows = [];
        var id = await app.CampaignWithRecipientsAsync(name, campaignId => rows = InsightsTestData.Distribution(campaignId, count));
        return (id, rows);
    }

    private Task<RecipientPage?> PageAsync(int id, RecipientQuery query) => WithInsightsAsync(i => i.GetRecipientsAsync(id, query));

    [Fact]
    public async Task Recipients_are_listed_in_the_order_they_were_written_with_every_field()
    {
        var (id, rows) = await SeededAsync("Every field");

        var page = (await PageAsync(id, new RecipientQuery { PageSize = 30 }))!;

        page.Total.Should().Be(200);
        page.PageCount.Should().Be(7);
        page.Rows.Select(r => r.Phone).Should().Equal(rows.Take(30).Select(r => r.Phone));
        page.Rows.Select(r => r.Id).Should().BeInAscendingOrder();
        var clicked = page.Rows[0];
        clicked.Should().BeEquivalentTo(new
        {
            Phone = "+447700900000", Name = "Person 000", Status = RecipientStatus.Read, MessageId = $"wamid.{id}.0",
            ErrorCode = (int?)null, ErrorMessage = (string?)null,
            SentAt = InsightsTestData.Start, DeliveredAt = InsightsTestData.Start.AddSeconds(20), ReadAt = InsightsTestData.Start.AddMinutes(3),
            FailedAt = (DateTimeOffset?)null, RepliedAt = InsightsTestData.Start.AddMinutes(8), ButtonClicked = "Yes please", ButtonPayload = "YES",
        });
        var refused = page.Rows[6];
        refused.Should().BeEquivalentTo(new
        {
            Status = RecipientStatus.Failed, ErrorCode = 131026, ErrorMessage = InsightsTestData.UndeliverableMessage,
            MessageId = (string?)null, SentAt = (DateTimeOffset?)null, FailedAt = InsightsTestData.Start.AddSeconds(91),
        });
    }

    [Fact]
    public async Task Search_finds_names_whatever_their_case_and_phones_by_any_run_of_digits()
    {
        var (id, rows) = await SeededAsync("Search");

        var byName = (await PageAsync(id, new RecipientQuery { Search = "  ana " }))!;
        byName.Rows.Select(r => r.Name).Should().Equal("Ana Souza", "ANA LIMA");
        byName.Total.Should().Be(2);

        var byDigits = (await PageAsync(id, new RecipientQuery { Search = "0012" }))!;
        byDigits.Rows.Select(r => r.Phone).Should().Equal(rows.Where(r => r.Phone.Contains("0012")).Select(r => r.Phone))
            .And.Contain("+447700900012").And.Contain("+447700900120");

        var typedWithSpaces = (await PageAsync(id, new RecipientQuery { Search = "+44 7700 900 077" }))!;
        typedWithSpaces.Rows.Should().ContainSingle().Which.Phone.Should().Be("+447700900077");

        var likeWildcards = (await PageAsync(id, new RecipientQuery { Search = "%_" }))!;
        likeWildcards.Total.Should().Be(0, "% and _ are searched as themselves, not as LIKE wildcards");
    }

    [Fact]
    public async Task The_status_filter_narrows_the_list_and_combines_with_the_search()
    {
        var (id, rows) = await SeededAsync("Status filter");

        var failed = (await PageAsync(id, new RecipientQuery { Status = RecipientStatus.Failed, PageSize = 100 }))!;
        failed.Total.Should().Be(rows.Count(r => r.Status == RecipientStatus.Failed)).And.Be(20);
        failed.Rows.Should().OnlyContain(r => r.Status == RecipientStatus.Failed);

        var failedNamedPerson01 = (await PageAsync(id, new RecipientQuery { Status = RecipientStatus.Failed, Search = "person 01" }))!;
        failedNamedPerson01.Rows.Select(r => r.Name).Should().Equal("Person 016");

        var counts = await WithInsightsAsync(i => i.GetStatusCountsAsync(id));
        counts.Should().Equal(rows.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count()));
        counts.Values.Sum().Should().Be(200);
    }

    [Fact]
    public async Task A_page_past_the_end_shows_the_last_page_and_the_page_size_stays_between_1_and_100()
    {
        var (id, rows) = await SeededAsync("Paging");

        var beyond = (await PageAsync(id, new RecipientQuery { Page = 99, PageSize = 30 }))!;
        beyond.Query.Page.Should().Be(7);
        beyond.Rows.Select(r => r.Phone).Should().Equal(rows.Skip(180).Select(r => r.Phone));
        (beyond.FirstRowNumber, beyond.LastRowNumber).Should().Be((181, 200));

        var huge = (await PageAsync(id, new RecipientQuery { PageSize = 5000 }))!;
        huge.Query.PageSize.Should().Be(RecipientQuery.MaxPageSize);
        huge.Rows.Should().HaveCount(100);

        var zero = (await PageAsync(id, new RecipientQuery { PageSize = 0, Page = -3 }))!;
        (zero.Query.PageSize, zero.Query.Page, zero.Rows.Count, zero.PageCount).Should().Be((1, 1, 1, 200));

        var nothing = (await PageAsync(id, new RecipientQuery { Search = "nobody at all", Page = 4 }))!;
        (nothing.Total, nothing.Rows.Count, nothing.Query.Page, nothing.PageCount).Should().Be((0, 0, 1, 1));
    }

    [Fact]
    public async Task A_campaign_that_does_not_exist_has_no_recipient_page()
    {
        (await PageAsync(987_654, new RecipientQuery())).Should().BeNull();
    }

    [Fact]
    public async Task Button_clicks_are_counted_per_button_most_pressed_first()
    {
        var (id, rows) = await SeededAsync("Buttons");

        var clicks = await WithInsightsAsync(i => i.GetButtonClicksAsync(id));

        clicks.Should().Equal(
            new ButtonClickCount("Yes please", "YES", 14),
            new ButtonClickCount("Tell me more", "MORE", 10),
            new ButtonClickCount("Stop promotions", "STOP", 7));
        clicks.Sum(c => c.Count).Should().Be(rows.Count(r => r.ButtonClicked is not null));
    }

    [Fact]
    public async Task Failure_reasons_group_by_code_with_the_stored_title_or_the_codes_name()
    {
        var (id, _) = await SeededAsync("Failures");
        var other = await app.CampaignWithRecipientsAsync("Failures elsewhere", campaignId =>
            [new SeedRecipient("+15550000001", "Not this campaign", RecipientStatus.Failed, ErrorCode: 131026, ErrorMessage: "x", FailedAt: InsightsTestData.Start)]);
        await app.SeedRecipientsAsync(id,
        [
            new SeedRecipient("+15550000002", "No code", RecipientStatus.Failed, ErrorMessage: "Meta reported the message as failed without a reason.", FailedAt: InsightsTestData.Start),
            // Skipped and unknown rows carry messages too, but they did not fail.
            new SeedRecipient("+15550000003", "Skipped", RecipientStatus.Skipped, ErrorCode: 131026, ErrorMessage: "Opted out"),
        ]);

        var reasons = await WithInsightsAsync(i => i.GetFailureReasonsAsync(id));

        reasons.Should().Equal(
            new FailureReason(131026, "Message undeliverable: Unable to deliver the message.", 10),
            new FailureReason(131049, InsightsTestData.EcosystemTitle, 5),
            new FailureReason(132015, "Template is paused", 5),
            new FailureReason(null, "Meta reported the message as failed without a reason.", 1));
        (await WithInsightsAsync(i => i.GetFailureReasonsAsync(other))).Should().ContainSingle().Which.Count.Should().Be(1);
    }

    [Fact]
    public async Task The_timeline_counts_every_timestamp_in_its_minute_from_the_first_event_to_the_last()
    {
        var (id, rows) = await SeededAsync("Timeline");

        var timeline = await WithInsightsAsync(i => i.GetTimelineAsync(id));

        timeline.BucketSize.Should().Be(TimeSpan.FromMinutes(1));
        timeline.BucketName.Should().Be("minute");
        var events = rows.SelectMany(r => new (int Kind, DateTimeOffset? At)[] { (0, r.SentAt), (1, r.DeliveredAt), (2, r.ReadAt), (3, r.FailedAt) })
            .Where(e => e.At is not null)
            .Select(e => (e.Kind, Minute: Truncate(e.At!.Value)))
            .ToList();
        var first = events.Min(e => e.Minute);
        var last = events.Max(e => e.Minute);
        timeline.Buckets.Select(b => b.Start).Should().Equal(
            Enumerable.Range(0, (int)(last - first).TotalMinutes + 1).Select(m => first.AddMinutes(m)), "every minute of the run has a bucket, empty ones too");
        foreach (var bucket in timeline.Buckets)
        {
            int Count(int kind) => events.Count(e => e.Kind == kind && e.Minute == bucket.Start);
            bucket.Should().Be(new TimelineBucket(bucket.Start, Count(0), Count(1), Count(2), Count(3)), "the minute {0}", bucket.Start);
        }
        timeline.Buckets.Sum(b => b.Sent).Should().Be(rows.Count(r => r.SentAt is not null));
        timeline.Buckets.Sum(b => b.Failed).Should().Be(20);
    }

    [Fact]
    public async Task A_long_campaign_gets_wider_buckets_that_still_hold_every_event()
    {
        var start = InsightsTestData.Start;
        var id = await app.CampaignWithRecipientsAsync("Long tail", campaignId =>
        [
            new SeedRecipient("+15550001001", "A", RecipientStatus.Read, $"wamid.{campaignId}.a", SentAt: start.AddSeconds(10),
                DeliveredAt: start.AddMinutes(1), ReadAt: start.AddDays(3).AddMinutes(17)),
            new SeedRecipient("+15550001002", "B", RecipientStatus.Delivered, $"wamid.{campaignId}.b", SentAt: start.AddMinutes(59), DeliveredAt: start.AddHours(5)),
            new SeedRecipient("+15550001003", "C", RecipientStatus.Failed, ErrorCode: 131026, FailedAt: start.AddHours(1)),
        ]);

        var timeline = await WithInsightsAsync(i => i.GetTimelineAsync(id));

        timeline.BucketSize.Should().Be(TimeSpan.FromHours(1), "three days in minutes, 5 or 15 minutes would be too many buckets");
        timeline.BucketName.Should().Be("hour");
        timeline.Buckets.Should().HaveCount(73).And.HaveCountLessThanOrEqualTo(CampaignInsights.MaxTimelineBuckets);
        timeline.Buckets[0].Should().Be(new TimelineBucket(start, 2, 1, 0, 0));
        timeline.Buckets[1].Should().Be(new TimelineBucket(start.AddHours(1), 0, 0, 0, 1));
        timeline.Buckets[5].Should().Be(new TimelineBucket(start.AddHours(5), 0, 1, 0, 0));
        timeline.Buckets[^1].Should().Be(new TimelineBucket(start.AddHours(72), 0, 0, 1, 0));
        timeline.Buckets.Sum(b => b.Sent + b.Delivered + b.Read + b.Failed).Should().Be(6);
    }

    [Fact]
    public async Task A_campaign_without_recipients_has_nothing_to_show()
    {
        var account = await app.AddAccountAsync("Empty account");
        var id = await app.AddCampaignAsync("Nothing yet", account, await app.AddTemplateAsync(account, "order_update"));

        var page = (await PageAsync(id, new RecipientQuery()))!;
        (page.Total, page.Rows.Count, page.PageCount).Should().Be((0, 0, 1));
        (await WithInsightsAsync(i => i.GetStatusCountsAsync(id))).Should().BeEmpty();
        (await WithInsightsAsync(i => i.GetButtonClicksAsync(id))).Should().BeEmpty();
        (await WithInsightsAsync(i => i.GetFailureReasonsAsync(id))).Should().BeEmpty();
        (await WithInsightsAsync(i => i.GetTimelineAsync(id))).IsEmpty.Should().BeTrue();
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(239, 1)]
    [InlineData(240, 5)]
    [InlineData(20 * 60, 15)]
    [InlineData(61 * 60, 60)]
    [InlineData(11 * 24 * 60, 6 * 60)]
    [InlineData(200 * 24 * 60, 24 * 60)]
    [InlineData(300 * 24 * 60, 7 * 24 * 60)]
    public void The_bucket_is_the_narrowest_that_keeps_the_run_within_the_cap(int spanMinutes, int expectedMinutes)
    {
        var first = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        CampaignInsights.BucketSizeFor(first, first.AddMinutes(spanMinutes)).Should().Be(TimeSpan.FromMinutes(expectedMinutes));
    }

    [Theory]
    [InlineData(131026, "(131026) Message undeliverable: details", "Message undeliverable: details")]
    [InlineData(-1, "(-1) Timed out: The Graph API did not answer within 30 s.", "Timed out: The Graph API did not answer within 30 s.")]
    [InlineData(131049, "Not delivered", "Not delivered")]
    [InlineData(132015, null, "Template is paused")]
    [InlineData(131050, "  ", "User stopped marketing messages")]
    [InlineData(987654, null, "Error 987654")]
    [InlineData(null, null, "No reason given")]
    public void A_failure_title_comes_from_the_stored_message_else_from_the_code(int? code, string? message, string expected)
    {
        CampaignInsights.TitleOf(code, message).Should().Be(expected);
    }

    [Fact]
    public void Query_string_values_are_read_leniently()
    {
        RecipientQuery.From(" ana ", "FAILED", "3", "25").Should().Be(new RecipientQuery { Search = "ana", Status = RecipientStatus.Failed, Page = 3, PageSize = 25 });
        RecipientQuery.From("", "6", "abc", "-5").Should().Be(new RecipientQuery());
        RecipientQuery.From(null, "nonsense", "0", "1000").Should().Be(new RecipientQuery { PageSize = 100 });
        new RecipientQuery { Search = "a b", Status = RecipientStatus.Read, Page = 2, PageSize = 100 }.ToUrl("/campaigns/5", fragment: "recipients")
            .Should().Be("/campaigns/5?q=a%20b&status=read&page=2&size=100#recipients");
        new RecipientQuery { Status = RecipientStatus.Read, Page = 2 }.ToUrl("/x", includePaging: false).Should().Be("/x?status=read");
    }

    private static DateTimeOffset Truncate(DateTimeOffset at) => new(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);
}
