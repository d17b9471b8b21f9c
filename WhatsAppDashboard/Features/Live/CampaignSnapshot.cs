using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Campaigns;

namespace WhatsAppDashboard.Features.Live;

/// <summary>
/// A campaign's progress as the live pages show it and the hub pushes it (client method <c>progress</c>, camelCase
/// JSON). The campaign page renders its first paint from the same record, so a reload and a push always agree.
/// </summary>
/// <param name="PendingCount">Recipients still to be sent (pending or sending); unknown ones are counted apart.</param>
/// <param name="ProgressPercent">Sent, failed or skipped out of the total, 0–100.</param>
/// <param name="RatePerSecond">Recipients done (sent or failed) per second over the last few seconds; null until known.</param>
/// <param name="EtaSeconds">Pending ÷ rate while running; null when unknown.</param>
/// <param name="AllowedActions">What the status allows now (see <see cref="CampaignActions"/>); the user's role still decides.</param>
public sealed record CampaignSnapshot(
    int Id,
    [property: JsonConverter(typeof(CamelCaseStatusConverter))] CampaignStatus Status,
    int TotalCount,
    int PendingCount,
    int SentCount,
    int DeliveredCount,
    int ReadCount,
    int FailedCount,
    int SkippedCount,
    int UnknownCount,
    int RepliedCount,
    int ButtonClickCount,
    int ProgressPercent,
    double? RatePerSecond,
    int? EtaSeconds,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? LastError,
    IReadOnlyList<string> AllowedActions)
{
    /// <summary>The status as the API and the pushes spell it ("running").</summary>
    public static string StatusName(CampaignStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    public CampaignCounters Counters => new(TotalCount, SentCount, DeliveredCount, ReadCount, FailedCount, SkippedCount);
}

/// <summary>Campaign statuses as camelCase strings, as in the API ("running").</summary>
public sealed class CamelCaseStatusConverter() : JsonStringEnumConverter<CampaignStatus>(JsonNamingPolicy.CamelCase);

/// <summary>
/// The actions a campaign's status allows, named as the live pages and the API name them. The campaign page shows
/// a button only when its action is in this list (and the user's role may use it).
/// </summary>
public static class CampaignActions
{
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Cancel = "cancel";
    public const string RetryFailed = "retryFailed";
    public const string RetryUnknown = "retryUnknown";
    public const string Edit = "edit";
    public const string Delete = "delete";

    public static IReadOnlyList<string> Allowed(CampaignStatus status, int failedCount, int unknownCount)
    {
        var actions = new List<string>(4);
        if (status == CampaignStatus.Running)
            actions.Add(Pause);
        if (status == CampaignStatus.Paused)
            actions.Add(Resume);
        if (CampaignTransitions.IsAllowed(status, CampaignStatus.Cancelled))
            actions.Add(Cancel);
        // The explicit retries put recipients back while sending is possible or has just finished.
        var retryable = status is CampaignStatus.Running or CampaignStatus.Paused or CampaignStatus.Completed;
        if (retryable && failedCount > 0)
            actions.Add(RetryFailed);
        if (retryable && unknownCount > 0)
            actions.Add(RetryUnknown);
        if (status.AllowsEditing())
            actions.Add(Edit);
        if (status.AllowsDeleting())
            actions.Add(Delete);
        return actions;
    }
}

/// <summary>Builds <see cref="CampaignSnapshot"/>s: one query for any number of campaigns.</summary>
public sealed class CampaignSnapshots(AppDbContext db, CampaignRates rates)
{
    /// <summary>At most this many campaigns per query; larger batches are split.</summary>
    public const int MaxBatch = 500;

    public async Task<CampaignSnapshot?> FindAsync(int campaignId, CancellationToken ct = default) =>
        (await ForAsync([campaignId], ct)).FirstOrDefault();

    /// <summary>Snapshots of the campaigns that exist among <paramref name="campaignIds"/>, in no particular order.</summary>
    public async Task<IReadOnlyList<CampaignSnapshot>> ForAsync(IReadOnlyCollection<int> campaignIds, CancellationToken ct = default)
    {
        var snapshots = new List<CampaignSnapshot>(campaignIds.Count);
        foreach (var chunk in campaignIds.Distinct().Chunk(MaxBatch))
        {
            var rows = await db.Campaigns.AsNoTracking()
                .Where(c => chunk.Contains(c.Id))
                .Select(c => new
                {
                    c.Id, c.Status, c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount,
                    c.RepliedCount, c.ButtonClickCount, c.StartedAt, c.CompletedAt, c.LastError,
                    // Unknown rows are not counted on the campaign; the (campaign_id, status) index answers this.
                    UnknownCount = db.CampaignRecipients.Count(r => r.CampaignId == c.Id && r.Status == RecipientStatus.Unknown),
                })
                .ToListAsync(ct);
            foreach (var c in rows)
            {
                var counters = new CampaignCounters(c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount);
                var pending = Math.Max(0, c.TotalCount - counters.Processed - c.UnknownCount);
                var running = c.Status == CampaignStatus.Running;
                var rate = rates.Observe(c.Id, c.SentCount + c.FailedCount, running);
                int? eta = !running ? null
                    : pending == 0 ? 0
                    : rate is > 0 ? (int)Math.Ceiling(pending / rate.Value)
                    : null;
                snapshots.Add(new CampaignSnapshot(
                    c.Id, c.Status, c.TotalCount, pending, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount,
                    c.UnknownCount, c.RepliedCount, c.ButtonClickCount, counters.PercentDone, rate is { } r ? Math.Round(r, 1) : null, eta,
                    c.StartedAt, c.CompletedAt, c.LastError, CampaignActions.Allowed(c.Status, c.FailedCount, c.UnknownCount)));
            }
        }
        return snapshots;
    }
}
