using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Scheduling;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>Step 4 of the wizard: checks the schedule form and stores it with the next occurrence in UTC.</summary>
public sealed class CampaignScheduling(CampaignDrafts drafts, AuditLog audit, TimeProvider clock, CampaignScheduler scheduler)
{
    /// <summary>
    /// Validates <paramref name="input"/> and saves it on the tracked <paramref name="campaign"/> (from
    /// <see cref="CampaignDrafts.LoadForEditAsync"/>). The step counts as complete only once the earlier steps are, so
    /// filling the schedule early never marks the audience or parameters as done.
    /// A campaign that is already scheduled keeps its trigger in step with the new schedule.
    /// </summary>
    public async Task<ScheduleValidation> SaveAsync(Campaign campaign, ScheduleInput input, string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var validation = ScheduleRules.Validate(input, now);
        if (validation.Schedule is not { } schedule)
            return validation;

        schedule.ApplyTo(campaign, now);
        audit.Record(actor, "campaigns.update", CampaignLifecycle.AuditTarget(campaign.Id, campaign.Name), $"schedule: {schedule.Describe()}");
        var step = campaign.WizardStep >= (int)WizardStep.Parameters ? WizardStep.Schedule : (WizardStep)Math.Max(campaign.WizardStep, (int)WizardStep.Basics);
        await drafts.SaveStepAsync(campaign, step, ct);
        if (campaign.Status == CampaignStatus.Scheduled)
            await RescheduleAsync(campaign.Id, schedule, now, ct);
        return validation;
    }

    /// <summary>
    /// Moves the trigger of a scheduled campaign to the new schedule's next occurrence (after the schedule is saved:
    /// a fire in between reads the new schedule). "Send now", or a schedule with nothing left to run, removes it; the
    /// campaign then waits for Run now or a new time.
    /// </summary>
    public async Task RescheduleAsync(int campaignId, CampaignSchedule schedule, DateTimeOffset now, CancellationToken ct)
    {
        var next = schedule.Kind == ScheduleKind.Now ? null : schedule.Occurrences(now).FirstOrDefault();
        if (next is null)
            await scheduler.UnscheduleAsync(campaignId, ct);
        else if (schedule.Kind == ScheduleKind.Recurring)
            await scheduler.ScheduleOccurrenceAsync(campaignId, next.Utc, DateOnly.FromDateTime(next.Local), ct);
        else
            await scheduler.ScheduleOnceAsync(campaignId, next.Utc, ct);
    }
}
