using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Rendering;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// Starts a campaign from what the wizard saved: streams its audience, renders each person's message with the same
/// renderer the parameters preview uses (so what is sent is what was previewed), and hands the stream to
/// <see cref="CampaignStarter"/>, which freezes it into recipients. Used by "Run now" and by the scheduler.
/// </summary>
public sealed class CampaignLauncher(AppDbContext db, AudienceResolver audiences, CampaignStarter starter)
{
    /// <param name="daysLeft">The value of <c>{days_left}</c> for this run (recurring campaigns), or null.</param>
    public async Task<CampaignStartResult> LaunchAsync(int campaignId, string actor, int? daysLeft, CancellationToken ct = default)
    {
        var campaign = await db.Campaigns.AsNoTracking().Include(c => c.Template).FirstOrDefaultAsync(c => c.Id == campaignId, ct);
        if (campaign is null)
            return new CampaignStartResult(StartOutcome.NotFound, "That campaign does not exist (any more).");
        return await starter.StartAsync(campaignId, PlanAsync(campaign, daysLeft, ct), actor, ct);
    }

    private async IAsyncEnumerable<PlannedRecipient> PlanAsync(Campaign campaign, int? daysLeft, [EnumeratorCancellation] CancellationToken ct)
    {
        // Without a template the starter fails the campaign with the reason before reading any of this.
        if (campaign.Template is null)
            yield break;
        var renderer = MessageRenderer.For(campaign.Template, ParameterMappings.Read(campaign));
        await foreach (var member in audiences.ResolveAsync(campaign, ct))
        {
            var rendered = renderer.Render(member, daysLeft);
            // Meta refuses an empty parameter; the wizard warned, so the person is skipped with the reason.
            var skip = rendered.EmptySlots.Count > 0 ? "no value for " + string.Join(", ", rendered.EmptySlots) : null;
            yield return new PlannedRecipient(member.Phone, member.Name, null, FrozenMessage.From(rendered.Message), skip);
        }
    }
}
