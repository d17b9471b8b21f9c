using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Insights;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Analytics;

/// <summary>
/// Message counts of one campaign or of many. A recipient counts as <c>sent</c> once its message reached Meta (status
/// sent, delivered or read), <c>delivered</c> when delivered or read, <c>replied</c> when it answered or pressed a
/// button, <c>clicked</c> when it pressed a button. Rates are shares of the sent messages; the failure rate is the
/// share of failed among the messages tried (sent + failed).
/// </summary>
public sealed record MessageFigures(int Recipients, int Sent, int Delivered, int Read, int Replied, int Clicked, int Failed, int Skipped)
{
    public static readonly MessageFigures None = new(0, 0, 0, 0, 0, 0, 0, 0);

    public double? DeliveryRate => Rate(Delivered, Sent);
    public double? ReadRate => Rate(Read, Sent);
    public double? ReplyRate => Rate(Replied, Sent);
    public double? ClickRate => Rate(Clicked, Sent);
    public double? FailureRate => Rate(Failed, Sent + Failed);

    public MessageFigures Plus(MessageFigures o) => new(Recipients + o.Recipients, Sent + o.Sent, Delivered + o.Delivered, Read + o.Read,
        Replied + o.Replied, Clicked + o.Clicked, Failed + o.Failed, Skipped + o.Skipped);

    /// <summary>A share between 0 and 1, or null when there is nothing to divide by.</summary>
    public static double? Rate(int part, int whole) => whole <= 0 ? null : (double)part / whole;
}

/// <summary>One campaign's line in the analytics table.</summary>
public sealed record CampaignFigures(
    int CampaignId, string Name, int? AccountId, string? AccountName, CampaignStatus Status, DateTimeOffset StartedAt, MessageFigures Figures);

/// <summary>What happened on one local day: messages sent, delivered, read and failed that day.</summary>
public sealed record DailyFigures(DateOnly Day, int Sent, int Delivered, int Read, int Failed);

/// <summary>Everything the analytics page shows for one query.</summary>
public sealed record AnalyticsReport(
    AnalyticsQuery Query, MessageFigures Totals, IReadOnlyList<CampaignFigures> Campaigns, IReadOnlyList<FailureReason> FailureReasons,
    IReadOnlyList<DailyFigures> Days)
{
    public bool IsEmpty => Campaigns.Count == 0;
}

/// <summary>
/// The dashboard's figures, straight from the recipient rows (the truth the campaign counters summarise), each section
/// in one set-based statement. Campaigns are chosen first by start time and account; their recipients are then read
/// per campaign (a LATERAL aggregate, or <c>campaign_id = ANY(…)</c>) through the (campaign_id, status) index. A plain
/// join lets PostgreSQL hash-join the whole recipients table instead: measured on 2 million rows over 200 campaigns, a
/// 30-day range took 1.6 s that way and 0.45 s this way (same loaded 2-core machine).
/// Shared by the analytics page, the home dashboard and the REST API.
/// </summary>
public sealed class AnalyticsQueries(DispatchDatabase database)
{
    /// <summary>The failure reasons shown: the most frequent ones.</summary>
    public const int TopFailureReasons = 10;

    private const string CampaignsInRange =
        "c.started_at >= @from AND c.started_at < @to AND (@account::int IS NULL OR c.account_id = @account)";

    /// <summary>One campaign's <see cref="MessageFigures"/> columns, aggregated over its recipients <c>r</c>.</summary>
    internal const string FigureColumns =
        """
        count(r.id)::int,
        count(*) FILTER (WHERE r.status IN ('Sent', 'Delivered', 'Read'))::int,
        count(*) FILTER (WHERE r.status IN ('Delivered', 'Read'))::int,
        count(*) FILTER (WHERE r.status = 'Read')::int,
        count(*) FILTER (WHERE r.replied_at IS NOT NULL)::int,
        count(*) FILTER (WHERE r.button_clicked IS NOT NULL)::int,
        count(*) FILTER (WHERE r.status = 'Failed')::int,
        count(*) FILTER (WHERE r.status = 'Skipped')::int
        """;

    public async Task<AnalyticsReport> GetReportAsync(AnalyticsQuery query, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var campaigns = await CampaignFiguresAsync(connection, query, ct);
        var totals = campaigns.Aggregate(MessageFigures.None, (sum, c) => sum.Plus(c.Figures));
        var ids = campaigns.Select(c => c.CampaignId).ToArray();
        var reasons = ids.Length == 0 ? [] : await FailureReasonsAsync(connection, ids, ct);
        var days = await DailyAsync(connection, query, ids, ct);
        return new AnalyticsReport(query, totals, Sort(campaigns, query.Sort, query.Descending), reasons, days);
    }

    /// <summary>Totals of the campaigns that started in the query's range (no table, reasons or days).</summary>
    public async Task<MessageFigures> GetTotalsAsync(AnalyticsQuery query, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var campaigns = await CampaignFiguresAsync(connection, query, ct);
        return campaigns.Aggregate(MessageFigures.None, (sum, c) => sum.Plus(c.Figures));
    }

    private static async Task<List<CampaignFigures>> CampaignFiguresAsync(NpgsqlConnection connection, AnalyticsQuery query, CancellationToken ct)
    {
        await using var command = Range(connection.Command(
            $"""
            SELECT c.id, c.name, c.account_id, a.name, c.status, c.started_at, f.*
            FROM campaigns c
            LEFT JOIN whatsapp_accounts a ON a.id = c.account_id
            CROSS JOIN LATERAL (SELECT {FigureColumns} FROM campaign_recipients r WHERE r.campaign_id = c.id) f
            WHERE {CampaignsInRange}
            """), query);
        var rows = new List<CampaignFigures>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new CampaignFigures(
                reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                Enum.Parse<CampaignStatus>(reader.GetString(4)), reader.GetFieldValue<DateTimeOffset>(5), ReadFigures(reader, 6)));
        }
        return rows;
    }

    private static async Task<List<FailureReason>> FailureReasonsAsync(NpgsqlConnection connection, int[] campaignIds, CancellationToken ct)
    {
        // Grouped like a campaign's own failure reasons: by Meta code, and by message when Meta gave no code.
        await using var command = connection.Command(
            $"""
            SELECT r.error_code, mode() WITHIN GROUP (ORDER BY r.error_message) AS message, count(*) AS failures
            FROM campaign_recipients r
            WHERE r.campaign_id = ANY(@campaigns) AND r.status = 'Failed'
            GROUP BY r.error_code, CASE WHEN r.error_code IS NULL THEN r.error_message END
            ORDER BY failures DESC, r.error_code NULLS LAST, message
            LIMIT {TopFailureReasons}
            """).With("campaigns", campaignIds);
        var reasons = new List<FailureReason>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            int? code = reader.IsDBNull(0) ? null : reader.GetInt32(0);
            reasons.Add(new FailureReason(code, CampaignInsights.TitleOf(code, reader.IsDBNull(1) ? null : reader.GetString(1)), (int)reader.GetInt64(2)));
        }
        return reasons;
    }

    /// <summary>Each day of the range (none left out) with the messages of the chosen campaigns sent, delivered, read
    /// and failed on it, by the recipients' own timestamps in the query's zone.</summary>
    private static async Task<List<DailyFigures>> DailyAsync(NpgsqlConnection connection, AnalyticsQuery query, int[] campaignIds, CancellationToken ct)
    {
        var counts = new Dictionary<DateOnly, (int Sent, int Delivered, int Read, int Failed)>();
        if (campaignIds.Length > 0)
        {
            await using var command = connection.Command(
                """
                SELECT (e.at AT TIME ZONE @zone)::date AS day,
                       count(*) FILTER (WHERE e.kind = 0)::int, count(*) FILTER (WHERE e.kind = 1)::int,
                       count(*) FILTER (WHERE e.kind = 2)::int, count(*) FILTER (WHERE e.kind = 3)::int
                FROM campaign_recipients r
                CROSS JOIN LATERAL (VALUES (0, r.sent_at), (1, r.delivered_at), (2, r.read_at), (3, r.failed_at)) AS e(kind, at)
                WHERE r.campaign_id = ANY(@campaigns) AND e.at >= @from AND e.at < @to
                GROUP BY day
                """).With("campaigns", campaignIds).With("from", query.StartUtc).With("to", query.EndUtc).With("zone", query.Zone.Id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                counts[reader.GetFieldValue<DateOnly>(0)] = (reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        }
        var days = new List<DailyFigures>(query.Days);
        for (var day = query.From; day <= query.To; day = day.AddDays(1))
        {
            var c = counts.GetValueOrDefault(day);
            days.Add(new DailyFigures(day, c.Sent, c.Delivered, c.Read, c.Failed));
        }
        return days;
    }

    private static NpgsqlCommand Range(NpgsqlCommand command, AnalyticsQuery query) =>
        command.With("from", query.StartUtc).With("to", query.EndUtc).With("account", NpgsqlTypes.NpgsqlDbType.Integer, query.AccountId);

    internal static MessageFigures ReadFigures(NpgsqlDataReader reader, int first) => new(
        reader.GetInt32(first), reader.GetInt32(first + 1), reader.GetInt32(first + 2), reader.GetInt32(first + 3),
        reader.GetInt32(first + 4), reader.GetInt32(first + 5), reader.GetInt32(first + 6), reader.GetInt32(first + 7));

    /// <summary>The table in the asked order; ties (and campaigns without a rate) fall back to the newest start first.</summary>
    public static IReadOnlyList<CampaignFigures> Sort(IEnumerable<CampaignFigures> rows, CampaignFigureSort sort, bool descending)
    {
        IComparable? Key(CampaignFigures c) => sort switch
        {
            CampaignFigureSort.Name => c.Name.ToLowerInvariant(),
            CampaignFigureSort.Account => c.AccountName?.ToLowerInvariant(),
            CampaignFigureSort.Status => c.Status.ToString(),
            CampaignFigureSort.Recipients => c.Figures.Recipients,
            CampaignFigureSort.Sent => c.Figures.Sent,
            CampaignFigureSort.Delivered => c.Figures.Delivered,
            CampaignFigureSort.Read => c.Figures.Read,
            CampaignFigureSort.Replied => c.Figures.Replied,
            CampaignFigureSort.Clicked => c.Figures.Clicked,
            CampaignFigureSort.Failed => c.Figures.Failed,
            CampaignFigureSort.DeliveryRate => c.Figures.DeliveryRate,
            CampaignFigureSort.ReadRate => c.Figures.ReadRate,
            CampaignFigureSort.ReplyRate => c.Figures.ReplyRate,
            CampaignFigureSort.ClickRate => c.Figures.ClickRate,
            _ => c.StartedAt,
        };
        var ordered = descending ? rows.OrderByDescending(Key) : rows.OrderBy(Key);
        return ordered.ThenByDescending(c => c.StartedAt).ThenByDescending(c => c.CampaignId).ToList();
    }
}
