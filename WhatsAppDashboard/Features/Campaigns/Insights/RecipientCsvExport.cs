using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Campaigns.Insights;

/// <summary>
/// Writes a campaign's recipients as CSV, streamed row by row from the database, under the same search and status
/// filter as the recipients table: status, Meta's message id, error code and message, every timestamp in ISO 8601
/// UTC, and the button pressed. Every cell goes through <see cref="CsvWriter"/>, so formulas are neutralised.
/// </summary>
public sealed class RecipientCsvExport(CampaignInsights insights, AppDbContext db, AuditLog audit, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> Header =
    [
        "Phone", "Name", "Status", "Message id", "Error code", "Error message",
        "Sent at", "Delivered at", "Read at", "Failed at", "Replied at", "Button clicked", "Button payload",
    ];

    /// <summary>Rows written between two flushes, so the client receives the file as it is made.</summary>
    private const int FlushEvery = 1000;

    /// <summary>The campaign's name, or null when it does not exist.</summary>
    public Task<string?> CampaignNameAsync(int campaignId, CancellationToken ct = default) =>
        db.Campaigns.AsNoTracking().Where(c => c.Id == campaignId).Select(c => c.Name).FirstOrDefaultAsync(ct);

    /// <summary>For example <c>spring-sale-recipients-failed-20261121-1405.csv</c>: the campaign, the status filter, and when.</summary>
    public string FileName(int campaignId, string campaignName, RecipientQuery query)
    {
        var slug = Slug(campaignName);
        var name = new StringBuilder(slug.Length > 0 ? slug : $"campaign-{campaignId}").Append("-recipients");
        if (query.Status is { } status)
            name.Append('-').Append(RecipientQuery.StatusValue(status));
        if (!string.IsNullOrWhiteSpace(query.Search))
            name.Append("-search");
        return name.Append('-').Append(clock.GetUtcNow().ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture)).Append(".csv").ToString();
    }

    /// <summary>Records the export in the audit log: the file holds people's phone numbers.</summary>
    public async Task AuditAsync(int campaignId, string campaignName, RecipientQuery query, string actor, CancellationToken ct = default)
    {
        var target = $"#{campaignId} {campaignName}";
        audit.Record(actor, "campaigns.export", target.Length > 256 ? target[..256] : target,
            query.IsFiltered ? query.ToUrl($"/campaigns/{campaignId}", includePaging: false) : "all recipients");
        await db.SaveChangesAsync(ct);
    }

    public async Task WriteAsync(int campaignId, RecipientQuery query, TextWriter output, CancellationToken ct = default)
    {
        var csv = new CsvWriter(output);
        await csv.WriteRowAsync(Header, ct);
        var written = 0;
        await foreach (var row in insights.StreamRecipientsAsync(campaignId, query, ct))
        {
            await csv.WriteRowAsync(
            [
                row.Phone,
                row.Name,
                RecipientQuery.StatusValue(row.Status),
                row.MessageId,
                row.ErrorCode?.ToString(CultureInfo.InvariantCulture),
                row.ErrorMessage,
                Iso(row.SentAt),
                Iso(row.DeliveredAt),
                Iso(row.ReadAt),
                Iso(row.FailedAt),
                Iso(row.RepliedAt),
                row.ButtonClicked,
                row.ButtonPayload,
            ], ct);
            if (++written % FlushEvery == 0)
                await output.FlushAsync(ct);
        }
        await output.FlushAsync(ct);
    }

    /// <summary>ISO 8601 in UTC to the second, for example <c>2026-11-21T14:05:09Z</c>; empty when it did not happen.</summary>
    public static string Iso(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    /// <summary>Lower-case ASCII letters and digits joined by dashes, at most 60 characters.</summary>
    private static string Slug(string name)
    {
        var slug = new StringBuilder();
        foreach (var c in name.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
                slug.Append(char.ToLowerInvariant(c));
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && slug.Length > 0 && slug[^1] != '-')
                slug.Append('-');
            if (slug.Length >= 60)
                break;
        }
        return slug.ToString().Trim('-');
    }
}
