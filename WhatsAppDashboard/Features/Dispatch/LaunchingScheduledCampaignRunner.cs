using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Rendering;
using WhatsAppDashboard.Features.Scheduling;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// What a schedule's trigger does. A one-off campaign is launched (audience resolved, recipients written, the
/// dispatcher sends). A recurring campaign stays scheduled: each occurrence becomes a run of its own (a child
/// campaign, unique per occurrence date, so a repeated fire never makes two), then the next occurrence is scheduled;
/// after the last one the series is completed.
/// </summary>
public sealed class LaunchingScheduledCampaignRunner(
    AppDbContext db,
    CampaignLauncher launcher,
    CampaignScheduler scheduler,
    AuditLog audit,
    TimeProvider clock,
    ILogger<LaunchingScheduledCampaignRunner> logger) : IScheduledCampaignRunner
{
    public const string Actor = "system";
    private const int NameMaxLength = 200;

    public async Task RunAsync(int campaignId, DateTimeOffset scheduledForUtc, DateOnly? occurrenceDate, CancellationToken ct)
    {
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId, ct);
        if (campaign is null || campaign.Status != CampaignStatus.Scheduled)
        {
            logger.LogInformation("Campaign {CampaignId} was due but is {Status}: nothing to start.",
                campaignId, campaign?.Status.Describe() ?? "gone");
            return;
        }

        if (campaign.ScheduleKind != ScheduleKind.Recurring)
        {
            var result = await launcher.LaunchAsync(campaignId, Actor, daysLeft: null, ct);
            if (!result.Started)
                logger.LogWarning("Scheduled campaign {CampaignId} did not start: {Reason}", campaignId, result.Message);
            return;
        }

        var schedule = CampaignSchedule.Of(campaign);
        if (schedule is null)
        {
            logger.LogWarning("Recurring campaign {CampaignId} has an incomplete schedule; nothing to start.", campaignId);
            return;
        }
        var date = occurrenceDate ?? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(scheduledForUtc, schedule.Zone).DateTime);
        if (await CreateOccurrenceAsync(campaign, date, ct) is { } runId)
        {
            var result = await launcher.LaunchAsync(runId, Actor, DaysLeft.On(campaign, date), ct);
            if (!result.Started)
                logger.LogWarning("Occurrence {Date} of campaign {CampaignId} did not start: {Reason}", date, campaignId, result.Message);
        }

        var next = schedule.Occurrences(scheduledForUtc).FirstOrDefault();
        if (next is not null)
        {
            var updated = await db.Campaigns
                .Where(c => c.Id == campaignId && c.Status == CampaignStatus.Scheduled)
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.ScheduledAt, next.Utc).SetProperty(c => c.UpdatedAt, clock.GetUtcNow()), ct);
            if (updated > 0)
                await scheduler.ScheduleOccurrenceAsync(campaignId, next.Utc, DateOnly.FromDateTime(next.Local), ct);
            return;
        }

        // That was the last occurrence: the series is done.
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var completed = await db.Campaigns
            .Where(c => c.Id == campaignId && c.Status == CampaignStatus.Scheduled)
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Status, CampaignStatus.Completed)
                .SetProperty(c => c.CompletedAt, now)
                .SetProperty(c => c.ScheduledAt, (DateTimeOffset?)null)
                .SetProperty(c => c.UpdatedAt, now), ct);
        if (completed > 0)
        {
            audit.Record(Actor, "campaigns.complete", CampaignLifecycle.AuditTarget(campaignId, campaign.Name), "last occurrence of the recurrence has run");
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        if (completed > 0)
            await scheduler.UnscheduleAsync(campaignId, ct);
    }

    /// <summary>The run for one occurrence, as a new campaign; null when that occurrence already has its run.</summary>
    private async Task<int?> CreateOccurrenceAsync(Campaign series, DateOnly date, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var name = $"{series.Name} · {date:yyyy-MM-dd}";
        var run = new Campaign
        {
            Name = name.Length > NameMaxLength ? name[..NameMaxLength] : name,
            AccountId = series.AccountId,
            TemplateId = series.TemplateId,
            AudienceKind = series.AudienceKind,
            AudienceJson = series.AudienceJson,
            ParameterMappingsJson = series.ParameterMappingsJson,
            DefaultCountryCode = series.DefaultCountryCode,
            ScheduleKind = ScheduleKind.Now,
            TimeZoneId = series.TimeZoneId,
            ParentCampaignId = series.Id,
            OccurrenceDate = date,
            WizardStep = (int)WizardStep.Review,
            CreatedById = series.CreatedById,
            CreatedByName = series.CreatedByName,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Campaigns.Add(run);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another fire (a retry, a second instance) made this occurrence's run already.
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return null;
        }
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO campaign_audience_rows (campaign_id, row_number, phone, name, fields)
            SELECT {run.Id}, row_number, phone, name, fields FROM campaign_audience_rows WHERE campaign_id = {series.Id}
            """, ct);
        audit.Record(Actor, "campaigns.occurrence", CampaignLifecycle.AuditTarget(run.Id, run.Name),
            $"occurrence {date:yyyy-MM-dd} of {CampaignLifecycle.AuditTarget(series.Id, series.Name)}");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return run.Id;
    }
}
