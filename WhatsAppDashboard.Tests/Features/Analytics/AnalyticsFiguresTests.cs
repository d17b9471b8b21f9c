using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Analytics;
using WhatsAppDashboard.Features.Campaigns;

namespace WhatsAppDashboard.Tests.Features.Analytics;

/// <summary>Every analytics figure must equal what counting the recipient rows by hand gives, for each filter.</summary>
public sealed class AnalyticsFiguresTests(AnalyticsAppFactory app) : IClassFixture<AnalyticsAppFactory>
{
    public static TheoryData<string, int, int, string?> Filters => new()
    {
        // name, first day (offset from today), days, account ("A", "B" or all)
        { "last 7 days", -6, 7, null },
        { "last 30 days of account A", -29, 30, "A" },
        { "last 90 days of account B", -89, 90, "B" },
        { "a custom range in the past", -46, 35, null },
        { "today only", 0, 1, null },
        { "a range where nothing started", -400, 30, null },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task The_figures_equal_counts_made_straight_from_the_recipient_rows(string filter, int firstDay, int days, string? account)
    {
        await app.SeedOnceAsync();
        var zone = AnalyticsAppFactory.TokyoZone;
        var from = app.Today.AddDays(firstDay);
        var to = from.AddDays(days - 1);
        int? accountId = account switch { "A" => app.AccountA, "B" => app.AccountB, _ => null };

        AnalyticsReport report;
        await using (var scope = app.Services.CreateAsyncScope())
            report = await scope.ServiceProvider.GetRequiredService<AnalyticsQueries>().GetReportAsync(new AnalyticsQuery(from, to, zone, accountId));

        // The expectation, counted here from the rows: a campaign belongs to the range when it started on one of its
        // local days; each event to the local day it happened on.
        DateOnly LocalDay(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        var chosen = app.Campaigns
            .Where(c => c.StartedAt is { } s && LocalDay(s) >= from && LocalDay(s) <= to && (accountId is null || c.AccountId == accountId))
            .Select(c => c.Id).ToHashSet();
        var rows = (await app.RowsAsync()).Where(r => chosen.Contains(r.Campaign.Id)).Select(r => r.Row).ToList();

        MessageFigures Count(IReadOnlyCollection<CampaignRecipient> set) => new(
            set.Count,
            set.Count(r => r.Status is RecipientStatus.Sent or RecipientStatus.Delivered or RecipientStatus.Read),
            set.Count(r => r.Status is RecipientStatus.Delivered or RecipientStatus.Read),
            set.Count(r => r.Status == RecipientStatus.Read),
            set.Count(r => r.RepliedAt != null),
            set.Count(r => r.ButtonClicked != null),
            set.Count(r => r.Status == RecipientStatus.Failed),
            set.Count(r => r.Status == RecipientStatus.Skipped));

        report.Totals.Should().Be(Count(rows), filter);
        report.Campaigns.Select(c => c.CampaignId).Should().BeEquivalentTo(chosen, filter);
        foreach (var campaign in report.Campaigns)
        {
            campaign.Figures.Should().Be(Count(rows.Where(r => r.CampaignId == campaign.CampaignId).ToList()), $"{filter}: {campaign.Name}");
            campaign.AccountId.Should().Be(app.Campaigns.Single(c => c.Id == campaign.CampaignId).AccountId);
        }
        report.IsEmpty.Should().Be(chosen.Count == 0);

        var failures = rows.Where(r => r.Status == RecipientStatus.Failed)
            .GroupBy(r => (r.ErrorCode, Message: r.ErrorCode is null ? r.ErrorMessage : null))
            .Select(g => (g.Key.ErrorCode, Count: g.Count()))
            .OrderByDescending(f => f.Count).ThenBy(f => f.ErrorCode ?? int.MaxValue)
            .ToList();
        report.FailureReasons.Select(f => (f.Code, f.Count)).Should().Equal(failures, filter);

        report.Days.Select(d => d.Day).Should().Equal(Enumerable.Range(0, days).Select(from.AddDays), "every day of the range is in the series");
        foreach (var day in report.Days)
        {
            int On(Func<CampaignRecipient, DateTimeOffset?> at) => rows.Count(r => at(r) is { } t && LocalDay(t) == day.Day);
            day.Should().Be(new DailyFigures(day.Day, On(r => r.SentAt), On(r => r.DeliveredAt), On(r => r.ReadAt), On(r => r.FailedAt)),
                $"{filter}: {day.Day}");
        }
    }

    [Fact]
    public async Task The_seed_covers_what_the_filters_must_tell_apart()
    {
        await app.SeedOnceAsync();
        var rows = await app.RowsAsync();
        rows.Select(r => r.Row.Status).Distinct().Should().HaveCount(Enum.GetValues<RecipientStatus>().Length);
        rows.Select(r => r.Campaign.AccountId).Distinct().Should().HaveCount(2);
        rows.Count(r => r.Row.ButtonClicked != null).Should().BeGreaterThan(0);
        rows.Select(r => r.Row.ErrorCode).Where(c => c != null).Distinct().Count().Should().BeGreaterThan(1);
    }

    [Fact]
    public void Rates_are_shares_of_the_sent_messages_and_missing_when_nothing_was_sent()
    {
        var figures = new MessageFigures(Recipients: 10, Sent: 8, Delivered: 6, Read: 4, Replied: 2, Clicked: 1, Failed: 2, Skipped: 0);
        (figures.DeliveryRate, figures.ReadRate, figures.ReplyRate, figures.ClickRate, figures.FailureRate)
            .Should().Be((0.75, 0.5, 0.25, 0.125, 0.2));
        MessageFigures.None.DeliveryRate.Should().BeNull();
        MessageFigures.None.FailureRate.Should().BeNull();
    }

    [Fact]
    public async Task The_campaign_table_sorts_by_any_column_both_ways()
    {
        await app.SeedOnceAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var analytics = scope.ServiceProvider.GetRequiredService<AnalyticsQueries>();
        var from = app.Today.AddDays(-89);

        var bySent = await analytics.GetReportAsync(new AnalyticsQuery(from, app.Today, AnalyticsAppFactory.TokyoZone, Sort: CampaignFigureSort.Sent, Descending: true));
        bySent.Campaigns.Select(c => c.Figures.Sent).Should().BeInDescendingOrder();
        var byName = await analytics.GetReportAsync(new AnalyticsQuery(from, app.Today, AnalyticsAppFactory.TokyoZone, Sort: CampaignFigureSort.Name, Descending: false));
        byName.Campaigns.Select(c => c.Name.ToLowerInvariant()).Should().BeInAscendingOrder();
        var byReadRate = await analytics.GetReportAsync(new AnalyticsQuery(from, app.Today, AnalyticsAppFactory.TokyoZone, Sort: CampaignFigureSort.ReadRate, Descending: true));
        byReadRate.Campaigns.Select(c => c.Figures.ReadRate ?? -1).Should().BeInDescendingOrder();
    }
}
