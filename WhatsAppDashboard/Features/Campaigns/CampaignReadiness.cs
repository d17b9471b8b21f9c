using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>
/// Whether a campaign may be scheduled or run: every wizard step up to the schedule done, an active account, and a
/// template Meta still approves. One rule for the review page (to explain) and the lifecycle (to refuse).
/// </summary>
public static class CampaignReadiness
{
    /// <summary>What stops the campaign from being sent, in the user's words; empty when nothing does.</summary>
    /// <remarks>Needs <see cref="Campaign.Account"/> and <see cref="Campaign.Template"/> loaded.</remarks>
    public static IReadOnlyList<string> Problems(Campaign campaign)
    {
        var problems = new List<string>();
        var missingSteps = WizardSteps.All
            .Where(s => s.Step < WizardStep.Review && (int)s.Step > campaign.WizardStep)
            .Select(s => s.Title)
            .ToList();
        if (missingSteps.Count > 0)
            problems.Add(missingSteps.Count == 1
                ? $"The {missingSteps[0]} step is not complete yet."
                : $"These steps are not complete yet: {string.Join(", ", missingSteps)}.");

        if (campaign.Account is null)
            problems.Add("No account is chosen: choose one on the Basics step.");
        else if (!campaign.Account.IsActive)
            problems.Add($"The account “{campaign.Account.Name}” is inactive: reactivate it, or choose another account on the Basics step.");

        if (campaign.Template is null)
            problems.Add("No template is chosen: choose an approved template on the Basics step.");
        else if (!TemplateSendability.IsSendable(campaign.Template.Status))
            problems.Add($"The template “{campaign.Template.Name}” ({campaign.Template.Language}) is no longer approved by Meta " +
                         $"(status {campaign.Template.Status}): choose another template on the Basics step.");
        else if (campaign.Account is not null && campaign.Template.AccountId != campaign.Account.Id)
            problems.Add($"The template “{campaign.Template.Name}” belongs to another account: choose one of {campaign.Account.Name}'s templates.");
        return problems;
    }
}
