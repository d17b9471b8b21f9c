using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Campaigns.Insights;

/// <summary>One recipient of a campaign as the recipients table, the export and the API show it.</summary>
public sealed record RecipientRow(
    long Id, string Phone, string Name, RecipientStatus Status, string? MessageId, int? ErrorCode, string? ErrorMessage,
    DateTimeOffset? SentAt, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt, DateTimeOffset? FailedAt, DateTimeOffset? RepliedAt,
    string? ButtonClicked, string? ButtonPayload);

/// <summary>One page of recipients; <see cref="Query"/> is the query as applied (page moved back inside the list).</summary>
public sealed record RecipientPage(RecipientQuery Query, IReadOnlyList<RecipientRow> Rows, int Total)
{
    public int PageCount => Math.Max(1, (int)((Total + (long)Query.PageSize - 1) / Query.PageSize));
    public int FirstRowNumber => Total == 0 ? 0 : (Query.Page - 1) * Query.PageSize + 1;
    public int LastRowNumber => (Query.Page - 1) * Query.PageSize + Rows.Count;
}

/// <summary>How many recipients pressed one quick-reply button.</summary>
public sealed record ButtonClickCount(string Button, string? Payload, int Count);

/// <summary>How many recipients failed for one reason: a Meta error code (null when Meta gave none) and its title.</summary>
public sealed record FailureReason(int? Code, string Title, int Count);

/// <summary>What happened during one bucket of time: messages sent, delivered, read and failed in it.</summary>
public sealed record TimelineBucket(DateTimeOffset Start, int Sent, int Delivered, int Read, int Failed);

/// <summary>A campaign's events over time, in buckets of <see cref="BucketSize"/> from the first event to the last.</summary>
public sealed record CampaignTimeline(TimeSpan BucketSize, IReadOnlyList<TimelineBucket> Buckets)
{
    public bool IsEmpty => Buckets.Count == 0;

    /// <summary>The bucket size in words: "minute", "5 minutes", "hour", "6 hours", "day", "week".</summary>
    public string BucketName => BucketSize switch
    {
        { TotalDays: >= 7 } s when s.TotalDays % 7 == 0 => s.TotalDays == 7 ? "week" : $"{s.TotalDays / 7:0} weeks",
        { TotalHours: >= 24 } s => s.TotalDays == 1 ? "day" : $"{s.TotalDays:0} days",
        { TotalMinutes: >= 60 } s => s.TotalHours == 1 ? "hour" : $"{s.TotalHours:0} hours",
        var s => s.TotalMinutes == 1 ? "minute" : $"{s.TotalMinutes:0} minutes",
    };
}

/// <summary>
/// The read side of a campaign's results: its recipients (searched, filtered, paged or streamed), the buttons they
/// pressed, why messages failed, and a timeline of sends and receipts. Plain SQL over the recipient rows, filtered
/// by campaign first so the (campaign_id, status) and (campaign_id, phone) indexes carry a million-row campaign;
/// each call opens its own pooled connection, so the campaign page's sections can load side by side. Shared by the
/// campaign page and the REST API, so it knows nothing about either.
/// </summary>
public sealed partial class CampaignInsights(DispatchDatabase database)
{
    /// <summary>A timeline never has more buckets than this: longer runs get wider buckets.</summary>
    public const int MaxTimelineBuckets = 240;

    /// <summary>The bucket sizes tried in turn, the first that fits <see cref="MaxTimelineBuckets"/> wins.</summary>
    public static readonly IReadOnlyList<TimeSpan> TimelineBucketSizes =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1),
        TimeSpan.FromHours(6), TimeSpan.FromDays(1), TimeSpan.FromDays(7),
    ];

    private const string RowColumns =
        "id, phone, name, status, message_id, error_code, error_message, sent_at, delivered_at, read_at, failed_at, replied_at, button_clicked, button_payload";

    /// <summary>
    /// A page of the campaign's recipients in id order (the order they were written in), with the total under the
    /// same filter; a page past the end shows the last page. Null when the campaign does not exist.
    /// </summary>
    public async Task<RecipientPage?> GetRecipientsAsync(int campaignId, RecipientQuery query, CancellationToken ct = default)
    {
        query = query.Normalised();
        await using var connection = await database.OpenAsync(ct);
        if (!await CampaignExistsAsync(connection, campaignId, ct))
            return null;

        var filter = RecipientFilter.Of(campaignId, query);
        int total;
        await using (var count = filter.Apply(connection.Command($"SELECT count(*) FROM campaign_recipients WHERE {filter.Where}")))
            total = (int)(long)(await count.ExecuteScalarAsync(ct))!;

        var page = new RecipientPage(query, [], total);
        if (query.Page > page.PageCount)
            query = query with { Page = page.PageCount };
        if (total == 0)
            return page with { Query = query };

        await using var select = filter.Apply(connection.Command(
                $"SELECT {RowColumns} FROM campaign_recipients WHERE {filter.Where} ORDER BY id LIMIT @limit OFFSET @offset"))
            .With("limit", query.PageSize)
            .With("offset", (long)(query.Page - 1) * query.PageSize);
        var rows = new List<RecipientRow>(Math.Min(query.PageSize, total));
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                rows.Add(ReadRow(reader));
        }
        return new RecipientPage(query, rows, total);
    }

    /// <summary>
    /// Every recipient matching the query's search and status (its paging is ignored), in id order, read from the
    /// database as they are enumerated: a million rows never sit in memory together.
    /// </summary>
    public async IAsyncEnumerable<RecipientRow> StreamRecipientsAsync(
        int campaignId, RecipientQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var filter = RecipientFilter.Of(campaignId, query.Normalised());
        await using var connection = await database.OpenAsync(ct);
        await using var select = filter.Apply(connection.Command($"SELECT {RowColumns} FROM campaign_recipients WHERE {filter.Where} ORDER BY id"));
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            yield return ReadRow(reader);
    }

    /// <summary>How many of the campaign's recipients are in each status (statuses nobody is in are left out).</summary>
    public async Task<IReadOnlyDictionary<RecipientStatus, int>> GetStatusCountsAsync(int campaignId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            "SELECT status, count(*) FROM campaign_recipients WHERE campaign_id = @campaign GROUP BY status").With("campaign", campaignId);
        var counts = new Dictionary<RecipientStatus, int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            counts[Enum.Parse<RecipientStatus>(reader.GetString(0))] = (int)reader.GetInt64(1);
        return counts;
    }

    /// <summary>The quick-reply buttons the recipients pressed, most pressed first.</summary>
    public async Task<IReadOnlyList<ButtonClickCount>> GetButtonClicksAsync(int campaignId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            """
            SELECT button_clicked, button_payload, count(*) AS clicks
            FROM campaign_recipients
            WHERE campaign_id = @campaign AND button_clicked IS NOT NULL
            GROUP BY button_clicked, button_payload
            ORDER BY clicks DESC, button_clicked, button_payload NULLS FIRST
            """).With("campaign", campaignId);
        var clicks = new List<ButtonClickCount>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            clicks.Add(new ButtonClickCount(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), (int)reader.GetInt64(2)));
        return clicks;
    }

    /// <summary>
    /// Why the campaign's failed messages failed, most frequent first: one line per Meta error code (failures without
    /// a code, one per message). The title is the message stored with most of them, else what
    /// <see cref="CloudApiErrors"/> calls the code.
    /// </summary>
    public async Task<IReadOnlyList<FailureReason>> GetFailureReasonsAsync(int campaignId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            """
            SELECT error_code, mode() WITHIN GROUP (ORDER BY error_message) AS message, count(*) AS failures
            FROM campaign_recipients
            WHERE campaign_id = @campaign AND status = 'Failed'
            GROUP BY error_code, CASE WHEN error_code IS NULL THEN error_message END
            ORDER BY failures DESC, error_code NULLS LAST, message
            """).With("campaign", campaignId);
        var reasons = new List<FailureReason>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            int? code = reader.IsDBNull(0) ? null : reader.GetInt32(0);
            var message = reader.IsDBNull(1) ? null : reader.GetString(1);
            reasons.Add(new FailureReason(code, TitleOf(code, message), (int)reader.GetInt64(2)));
        }
        return reasons;
    }

    /// <summary>
    /// Messages sent, delivered, read and failed per minute (from the recipients' timestamps), from the first event
    /// to the last with empty buckets filled in. Runs longer than <see cref="MaxTimelineBuckets"/> minutes get the
    /// first wider bucket of <see cref="TimelineBucketSizes"/> that fits. Buckets start on whole UTC multiples of
    /// their size.
    /// </summary>
    public async Task<CampaignTimeline> GetTimelineAsync(int campaignId, CancellationToken ct = default)
    {
        // One pass over the rows: each timestamp becomes an event of its kind, counted per minute by PostgreSQL.
        // Wider buckets are sums of minutes, made here, so no second scan is needed to learn the run's length.
        var minutes = new List<(DateTimeOffset Minute, int Sent, int Delivered, int Read, int Failed)>();
        await using (var connection = await database.OpenAsync(ct))
        {
            await using var command = connection.Command(
                """
                SELECT date_trunc('minute', e.at) AS minute,
                       count(*) FILTER (WHERE e.kind = 0), count(*) FILTER (WHERE e.kind = 1),
                       count(*) FILTER (WHERE e.kind = 2), count(*) FILTER (WHERE e.kind = 3)
                FROM campaign_recipients r
                CROSS JOIN LATERAL (VALUES (0, r.sent_at), (1, r.delivered_at), (2, r.read_at), (3, r.failed_at)) AS e(kind, at)
                WHERE r.campaign_id = @campaign AND e.at IS NOT NULL
                GROUP BY minute
                ORDER BY minute
                """).With("campaign", campaignId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                minutes.Add((reader.GetFieldValue<DateTimeOffset>(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2),
                    (int)reader.GetInt64(3), (int)reader.GetInt64(4)));
        }
        if (minutes.Count == 0)
            return new CampaignTimeline(TimelineBucketSizes[0], []);

        var first = minutes[0].Minute;
        var last = minutes[^1].Minute;
        var size = BucketSizeFor(first, last);
        var start = Floor(first, size);
        var buckets = new (int Sent, int Delivered, int Read, int Failed)[(int)((Floor(last, size) - start) / size) + 1];
        foreach (var minute in minutes)
        {
            ref var bucket = ref buckets[(int)((Floor(minute.Minute, size) - start) / size)];
            bucket = (bucket.Sent + minute.Sent, bucket.Delivered + minute.Delivered, bucket.Read + minute.Read, bucket.Failed + minute.Failed);
        }
        return new CampaignTimeline(size, buckets.Select((b, i) => new TimelineBucket(start + i * size, b.Sent, b.Delivered, b.Read, b.Failed)).ToList());
    }

    /// <summary>The narrowest bucket that keeps the span from <paramref name="first"/> to <paramref name="last"/> within the cap.</summary>
    public static TimeSpan BucketSizeFor(DateTimeOffset first, DateTimeOffset last)
    {
        foreach (var size in TimelineBucketSizes)
        {
            if ((Floor(last, size) - Floor(first, size)) / size + 1 <= MaxTimelineBuckets)
                return size;
        }
        return TimelineBucketSizes[^1];
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan size)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % size.Ticks, TimeSpan.Zero);
    }

    /// <summary>A failure's title: the stored message without the "(code) " our dispatcher puts in front of it, or the
    /// code's name, or the code alone.</summary>
    public static string TitleOf(int? code, string? storedMessage)
    {
        var message = storedMessage is null ? "" : CodePrefix().Replace(storedMessage, "").Trim();
        if (message.Length > 0)
            return message;
        if (code is { } known)
            return CloudApiErrors.TitleOf(known) ?? $"Error {known}";
        return "No reason given";
    }

    [GeneratedRegex(@"^\(-?\d+\)\s*")]
    private static partial Regex CodePrefix();

    private static async Task<bool> CampaignExistsAsync(NpgsqlConnection connection, int campaignId, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = @campaign)").With("campaign", campaignId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static RecipientRow ReadRow(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        Enum.Parse<RecipientStatus>(reader.GetString(3)),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        Time(reader, 7), Time(reader, 8), Time(reader, 9), Time(reader, 10), Time(reader, 11),
        reader.IsDBNull(12) ? null : reader.GetString(12),
        reader.IsDBNull(13) ? null : reader.GetString(13));

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>The WHERE clause of a recipient query and its parameters; only the conditions in use are written, so
    /// PostgreSQL plans each shape on its own (campaign and status go to the index).</summary>
    private sealed class RecipientFilter
    {
        private readonly List<(string Name, object Value)> _parameters = [];

        public string Where { get; private init; } = "";

        public static RecipientFilter Of(int campaignId, RecipientQuery query)
        {
            var where = new StringBuilder("campaign_id = @campaign");
            var filter = new List<(string, object)> { ("campaign", campaignId) };
            if (query.Status is { } status)
            {
                where.Append(" AND status = @status");
                filter.Add(("status", status.ToString()));
            }
            if (query.Search is { Length: > 0 } search)
            {
                // Names match anywhere, ignoring case; a search that looks like a number also matches the digits of
                // the phone anywhere, whatever spaces, dashes or brackets the person typed.
                where.Append(" AND (name ILIKE @name ESCAPE '\\'");
                filter.Add(("name", "%" + EscapeLike(search) + "%"));
                if (PhoneDigits(search) is { } digits)
                {
                    where.Append(" OR phone LIKE @phone");
                    filter.Add(("phone", "%" + digits + "%"));
                }
                where.Append(')');
            }
            var result = new RecipientFilter { Where = where.ToString() };
            result._parameters.AddRange(filter);
            return result;
        }

        public NpgsqlCommand Apply(NpgsqlCommand command)
        {
            foreach (var (name, value) in _parameters)
                command.With(name, value);
            return command;
        }

        /// <summary>The digits of a search made only of phone characters (digits, +, spaces, dashes, dots, brackets).</summary>
        private static string? PhoneDigits(string search)
        {
            if (!search.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '.' or '(' or ')'))
                return null;
            var digits = new string(search.Where(char.IsAsciiDigit).ToArray());
            return digits.Length > 0 ? digits : null;
        }

        private static string EscapeLike(string text) =>
            text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
    }
}
