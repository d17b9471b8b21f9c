using System.Globalization;
using Quartz;

namespace WhatsAppDashboard.Features.Scheduling;

/// <summary>
/// Puts campaigns on the persistent, clustered schedule: one Quartz job per campaign (<c>campaigns.campaign-{id}</c>)
/// with one one-off trigger. Every change is stored in PostgreSQL, so it survives restarts and is seen by every
/// instance; the instance that fires is whichever acquires the trigger first, exactly once across the cluster.
/// </summary>
/// <remarks>
/// Recurring campaigns are scheduled one occurrence at a time (<see cref="ScheduleOccurrenceAsync"/>): whoever runs
/// an occurrence schedules the next one. A fire missed while no instance was running runs once, at the next start.
/// </remarks>
public sealed class CampaignScheduler(ISchedulerFactory schedulers, TimeProvider clock, ILogger<CampaignScheduler> logger)
{
    public const string Group = "campaigns";

    public static JobKey JobKeyFor(int campaignId) => new($"campaign-{campaignId}", Group);

    public static TriggerKey TriggerKeyFor(int campaignId) => new($"campaign-{campaignId}", Group);

    /// <summary>
    /// Fires the campaign once at <paramref name="fireAtUtc"/>, replacing whatever was scheduled for it before.
    /// A time already past fires as soon as possible.
    /// </summary>
    public Task ScheduleOnceAsync(int campaignId, DateTimeOffset fireAtUtc, CancellationToken ct = default) =>
        ScheduleAsync(campaignId, fireAtUtc, occurrenceDate: null, ct);

    /// <summary>
    /// As <see cref="ScheduleOnceAsync"/>, for one occurrence of a recurring campaign: <paramref name="occurrenceDate"/>
    /// (the local date the occurrence stands for) is handed to the runner with the fire.
    /// </summary>
    public Task ScheduleOccurrenceAsync(int campaignId, DateTimeOffset fireAtUtc, DateOnly occurrenceDate, CancellationToken ct = default) =>
        ScheduleAsync(campaignId, fireAtUtc, occurrenceDate, ct);

    /// <summary>Removes the campaign's schedule; false when it had none (never scheduled, already fired, or removed).</summary>
    public async Task<bool> UnscheduleAsync(int campaignId, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var removed = await scheduler.DeleteJob(JobKeyFor(campaignId), ct);
        if (removed)
            logger.LogInformation("Campaign {CampaignId} unscheduled.", campaignId);
        return removed;
    }

    /// <summary>When the campaign fires next, in UTC; null when nothing is scheduled for it.</summary>
    public async Task<DateTimeOffset?> GetNextFireTimeAsync(int campaignId, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var trigger = await scheduler.GetTrigger(TriggerKeyFor(campaignId), ct);
        return trigger?.NextFireTimeUtc;
    }

    private async Task ScheduleAsync(int campaignId, DateTimeOffset fireAtUtc, DateOnly? occurrenceDate, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(campaignId);
        fireAtUtc = fireAtUtc.ToUniversalTime();

        var job = JobBuilder.Create<ScheduledCampaignJob>()
            .WithIdentity(JobKeyFor(campaignId))
            .WithDescription($"Starts campaign {campaignId}")
            .UsingJobData(ScheduledCampaignJob.CampaignIdKey, campaignId.ToString(CultureInfo.InvariantCulture))
            // A firing cut short by a crash runs again when the cluster recovers it; the runner is idempotent.
            .RequestRecovery(true)
            .Build();

        var trigger = TriggerBuilder.Create(clock)
            .WithIdentity(TriggerKeyFor(campaignId))
            .ForJob(job)
            .StartAt(fireAtUtc)
            // Missed (the app was down, or every instance was busy past the misfire threshold): fire once, now.
            // Never IgnoreMisfires-style catch-up, never skipped.
            .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            // The intended time, which the runner sees even when the fire comes late.
            .UsingJobData(ScheduledCampaignJob.ScheduledForKey, fireAtUtc.ToString("O", CultureInfo.InvariantCulture));
        if (occurrenceDate is { } date)
            trigger = trigger.UsingJobData(ScheduledCampaignJob.OccurrenceDateKey, date.ToString("O", CultureInfo.InvariantCulture));

        var scheduler = await schedulers.GetScheduler(ct);
        // Job and trigger are replaced together in one store transaction: a rescheduled campaign fires once, at the new time.
        await scheduler.ScheduleJob(job, trigger.Build(), ScheduleJobOptions.Replacing, ct);
        logger.LogInformation(
            "Campaign {CampaignId} scheduled for {FireAtUtc:O}{Occurrence}.", campaignId, fireAtUtc,
            occurrenceDate is null ? "" : $" (occurrence of {occurrenceDate:yyyy-MM-dd})");
    }
}
