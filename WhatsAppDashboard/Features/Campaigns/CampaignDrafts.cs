using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>The wizard's steps, in order; a campaign remembers the furthest one completed.</summary>
public enum WizardStep
{
    Basics = 1,
    Audience = 2,
    Parameters = 3,
    Schedule = 4,
    Review = 5,
}

public static class WizardSteps
{
    public static readonly IReadOnlyList<(WizardStep Step, string Title, string Slug)> All =
    [
        (WizardStep.Basics, "Basics", "basics"),
        (WizardStep.Audience, "Audience", "audience"),
        (WizardStep.Parameters, "Parameters", "parameters"),
        (WizardStep.Schedule, "Schedule", "schedule"),
        (WizardStep.Review, "Review", "review"),
    ];

    public static string UrlOf(int campaignId, WizardStep step) => $"/campaigns/{campaignId}/{All.Single(s => s.Step == step).Slug}";
}

/// <summary>The result of loading a campaign for a wizard step: the campaign, or why it cannot be edited.</summary>
public sealed record DraftLookup(Campaign? Campaign, string? Refusal, bool NotFound)
{
    public bool Succeeded => Campaign is not null;
}

/// <summary>
/// Loading and saving campaigns from the wizard. Every step saves the draft, so reload, back and a new sign-in lose
/// nothing; only drafts and scheduled campaigns can be changed.
/// </summary>
public sealed class CampaignDrafts(AppDbContext db, TimeProvider clock)
{
    /// <summary>Tracked campaign with its account and template, if it exists and may still be edited.</summary>
    public async Task<DraftLookup> LoadForEditAsync(int id, CancellationToken ct = default)
    {
        var campaign = await db.Campaigns.Include(c => c.Account).Include(c => c.Template).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (campaign is null)
            return new DraftLookup(null, "That campaign does not exist (any more).", NotFound: true);
        if (!campaign.CanEdit)
            return new DraftLookup(null, $"“{campaign.Name}” is {campaign.Status.Describe()}: only drafts and scheduled campaigns can be changed. Copy it to make a new draft.", NotFound: false);
        return new DraftLookup(campaign, null, NotFound: false);
    }

    /// <summary>A new draft owned by <paramref name="user"/> (not saved yet).</summary>
    public Campaign NewDraft(ClaimsPrincipal user, string? timeZoneId)
    {
        var now = clock.GetUtcNow();
        return new Campaign
        {
            CreatedById = user.FindFirstValue(ClaimTypes.NameIdentifier),
            CreatedByName = user.Identity?.Name ?? "",
            TimeZoneId = string.IsNullOrWhiteSpace(timeZoneId) ? "UTC" : timeZoneId,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>Saves the campaign and records that <paramref name="step"/> is complete.</summary>
    public async Task SaveStepAsync(Campaign campaign, WizardStep step, CancellationToken ct = default)
    {
        campaign.WizardStep = Math.Max(campaign.WizardStep, (int)step);
        campaign.UpdatedAt = clock.GetUtcNow();
        if (campaign.Id == 0)
            db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
    }
}
