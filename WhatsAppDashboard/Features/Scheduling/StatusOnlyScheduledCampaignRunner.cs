using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Campaigns;

namespace WhatsAppDashboard.Features.Scheduling;

/// <summary>
/// The default runner: moves a scheduled campaign to running, with its start time, and audits it as the system.
/// It resolves no audience and sends nothing; a runner that does registers in its place.
/// </summary>
/// <remarks>
/// One guarded UPDATE: only a campaign that is still scheduled starts, so a cancelled, deleted or already started
/// campaign is left alone, and a repeated fire (retry, recovery, two instances) starts it at most once.
/// </remarks>
public sealed class StatusOnlyScheduledCampaignRunner(
    AppDbContext db,
    AuditLog audit,
    TimeProvider clock,
    ILogger<StatusOnlyScheduledCampaignRunner> logger) : IScheduledCampaignRunner
{
    public const string Actor = "system";

    public async Task RunAsync(int campaignId, DateTimeOffset scheduledForUtc, DateOnly? occurrenceDate, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // The status change and its audit entry are saved together or not at all.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var started = await db.Campaigns
            .Where(c => c.Id == campaignId && c.Status == CampaignStatus.Scheduled)
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Status, CampaignStatus.Running)
                .SetProperty(c => c.StartedAt, now)
                .SetProperty(c => c.UpdatedAt, now), ct);
        if (started == 0)
        {
            var status = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => (CampaignStatus?)c.Status).SingleOrDefaultAsync(ct);
            if (status is null)
                logger.LogInformation("Campaign {CampaignId} was due but no longer exists; nothing to start.", campaignId);
            else
                logger.LogInformation("Campaign {CampaignId} was due but is {Status}, not scheduled; it is not started.", campaignId, status.Value.Describe());
            return;
        }

        var name = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.Name).SingleAsync(ct);
        audit.Record(Actor, "campaigns.run", name, $"started by its schedule (due {scheduledForUtc:yyyy-MM-dd HH:mm} UTC)");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Campaign {CampaignId} started by its schedule (due {ScheduledForUtc:O}).", campaignId, scheduledForUtc);
    }
}
