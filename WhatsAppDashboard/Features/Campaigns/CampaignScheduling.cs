using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>Step 4 of the wizard: checks the schedule form and stores it with the next occurrence in UTC.</summary>
public sealed class CampaignScheduling(CampaignDrafts drafts, AuditLog audit, TimeProvider clock)
{
    /// <summary>
    /// Validates <paramref name="input"/> and saves it on the tracked <paramref name="campaign"/> (from
    /// <see cref="CampaignDrafts.LoadForEditAsync"/>). The step counts as complete only once the earlier steps are, so
    /// filling the schedule early never marks the audience or parameters as done.
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
        return validation;
    }
}
