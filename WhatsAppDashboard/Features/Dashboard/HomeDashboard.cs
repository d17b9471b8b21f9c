using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Analytics;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Insights;
using WhatsAppDashboard.Features.Dispatch;
using CampaignCounters = WhatsAppDashboard.Features.Campaigns.CampaignCounters;

namespace WhatsAppDashboard.Features.Dashboard;

/// <summary>A campaign that is running (or paused mid-run) now, with its counters.</summary>
public sealed record ActiveCampaign(int Id, string Name, string? AccountName, CampaignStatus Status, DateTimeOffset? StartedAt, CampaignCounters Counters);

/// <summary>The next time a scheduled campaign fires.</summary>
public sealed record UpcomingRun(int CampaignId, string Name, string? AccountName, DateTimeOffset At, string Schedule);

/// <summary>A recent failure: a recipient whose message failed (with Meta's reason), or a campaign that could not run.</summary>
public sealed record RecentFailure(int CampaignId, string CampaignName, DateTimeOffset At, int? ErrorCode, string Reason, bool WholeCampaign);

/// <summary>Messages sent, delivered and read today (in the viewer's zone), whatever day their campaign started.</summary>
public sealed record TodayFigures(DateOnly Day, int Sent, int Delivered, int Read, int Failed);

/// <summary>What the home page shows.</summary>
public sealed record HomeFigures(
    IReadOnlyList<ActiveCampaign> Running, TodayFigures Today, MessageFigures LastSevenDays, DateOnly LastSevenDaysFrom,
    IReadOnlyList<UpcomingRun> Upcoming, IReadOnlyList<RecentFailure> RecentFailures);

/// <summary>The home page's figures (also served by <c>GET /api/v1/dashboard</c>).</summary>
public sealed class HomeDashboard(AppDbContext db, DispatchDatabase database, AnalyticsQueries analytics, TimeProvider clock)
{
    public const int ListSize = 5;

    /// <summary>Events older than this after their campaign started are rare (late reads); leaving those campaigns out
    /// keeps "today" from reading every recipient row ever written.</summary>
    public static readonly TimeSpan TodayLookBack = TimeSpan.FromDays(30);

    public async Task<HomeFigures> GetAsync(TimeZoneInfo zone, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var running = await db.Campaigns.AsNoTracking()
            .Where(c => c.Status == CampaignStatus.Running || c.Status == CampaignStatus.Paused)
            .OrderBy(c => c.Status).ThenByDescending(c => c.StartedAt)
            .Select(c => new ActiveCampaign(c.Id, c.Name, c.Account != null ? c.Account.Name : null, c.Status, c.StartedAt,
                new CampaignCounters(c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount)))
            .ToListAsync(ct);

        var week = AnalyticsQuery.LastDays(7, now, zone);
        var lastSevenDays = await analytics.GetTotalsAsync(week, ct);
        var today = await TodayAsync(AnalyticsQuery.LastDays(1, now, zone), ct);

        var scheduled = await db.Campaigns.AsNoTracking()
            .Where(c => c.Status == CampaignStatus.Scheduled && c.ScheduledAt != null && c.ScheduledAt >= now)
            .OrderBy(c => c.ScheduledAt).Take(ListSize)
            .Include(c => c.Account)
            .ToListAsync(ct);
        var upcoming = scheduled.Select(c => new UpcomingRun(c.Id, c.Name, c.Account?.Name, c.ScheduledAt!.Value,
            CampaignSchedule.Of(c)?.Describe() ?? "")).ToList();

        return new HomeFigures(running, today, lastSevenDays, week.From, upcoming, await RecentFailuresAsync(now, ct));
    }

    /// <summary>Read campaign by campaign (LATERAL), so PostgreSQL walks the index of each recent campaign instead of
    /// hash-joining the whole recipients table.</summary>
    private async Task<TodayFigures> TodayAsync(AnalyticsQuery today, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            """
            SELECT COALESCE(sum(f.sent), 0)::int, COALESCE(sum(f.delivered), 0)::int, COALESCE(sum(f.read), 0)::int, COALESCE(sum(f.failed), 0)::int
            FROM campaigns c
            CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE r.sent_at >= @from AND r.sent_at < @to) AS sent,
                       count(*) FILTER (WHERE r.delivered_at >= @from AND r.delivered_at < @to) AS delivered,
                       count(*) FILTER (WHERE r.read_at >= @from AND r.read_at < @to) AS read,
                       count(*) FILTER (WHERE r.failed_at >= @from AND r.failed_at < @to) AS failed
                FROM campaign_recipients r WHERE r.campaign_id = c.id) f
            WHERE c.started_at >= @since AND c.started_at < @to
            """).With("from", today.StartUtc).With("to", today.EndUtc).With("since", today.StartUtc - TodayLookBack);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new TodayFigures(today.From, reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
    }

    /// <summary>The latest failed messages of the last week's campaigns and the latest campaigns that failed, newest first.</summary>
    private async Task<IReadOnlyList<RecentFailure>> RecentFailuresAsync(DateTimeOffset now, CancellationToken ct)
    {
        var failures = new List<RecentFailure>();
        await using (var connection = await database.OpenAsync(ct))
        {
            await using var command = connection.Command(
                $"""
                SELECT c.id, c.name, r.failed_at, r.error_code, r.error_message
                FROM campaigns c JOIN campaign_recipients r ON r.campaign_id = c.id
                WHERE c.started_at >= @since AND r.status = 'Failed' AND r.failed_at IS NOT NULL
                ORDER BY r.failed_at DESC, r.id DESC
                LIMIT {ListSize}
                """).With("since", now - TimeSpan.FromDays(7));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                int? code = reader.IsDBNull(3) ? null : reader.GetInt32(3);
                failures.Add(new RecentFailure(reader.GetInt32(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), code,
                    CampaignInsights.TitleOf(code, reader.IsDBNull(4) ? null : reader.GetString(4)), false));
            }
        }
        var failedCampaigns = await db.Campaigns.AsNoTracking()
            .Where(c => c.Status == CampaignStatus.Failed)
            .OrderByDescending(c => c.UpdatedAt).Take(ListSize)
            .Select(c => new { c.Id, c.Name, c.UpdatedAt, c.LastError })
            .ToListAsync(ct);
        failures.AddRange(failedCampaigns.Select(c => new RecentFailure(c.Id, c.Name, c.UpdatedAt, null, c.LastError ?? "The campaign could not run.", true)));
        return failures.OrderByDescending(f => f.At).Take(ListSize).ToList();
    }
}
