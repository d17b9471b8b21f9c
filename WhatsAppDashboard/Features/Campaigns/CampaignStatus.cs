namespace WhatsAppDashboard.Features.Campaigns;

public enum CampaignStatus
{
    Draft,
    Scheduled,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>A move the lifecycle does not allow; the message is for the user (HTTP 409 in the API).</summary>
public sealed class CampaignStateException(string message) : Exception(message);

/// <summary>
/// The campaign lifecycle: draft → scheduled → running ⇄ paused → completed; failed when it cannot start or the
/// account is unusable; cancelled from draft/scheduled/running/paused. One table, used both by the entity's
/// methods and by the guarded SQL update that persists a move.
/// </summary>
public static class CampaignTransitions
{
    private static readonly IReadOnlyDictionary<CampaignStatus, CampaignStatus[]> AllowedSources = new Dictionary<CampaignStatus, CampaignStatus[]>
    {
        [CampaignStatus.Draft] = [],
        [CampaignStatus.Scheduled] = [CampaignStatus.Draft, CampaignStatus.Scheduled],
        [CampaignStatus.Running] = [CampaignStatus.Draft, CampaignStatus.Scheduled, CampaignStatus.Paused],
        [CampaignStatus.Paused] = [CampaignStatus.Running],
        // A recurring series is never running itself (its occurrences are runs of their own): it completes from
        // scheduled after its last occurrence.
        [CampaignStatus.Completed] = [CampaignStatus.Running, CampaignStatus.Scheduled],
        [CampaignStatus.Failed] = [CampaignStatus.Draft, CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Paused],
        [CampaignStatus.Cancelled] = [CampaignStatus.Draft, CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Paused],
    };

    public static IReadOnlyList<CampaignStatus> SourcesOf(CampaignStatus target) => AllowedSources[target];

    public static bool IsAllowed(CampaignStatus from, CampaignStatus to) => AllowedSources[to].Contains(from);

    public static bool IsTerminal(this CampaignStatus status) =>
        status is CampaignStatus.Completed or CampaignStatus.Failed or CampaignStatus.Cancelled;

    /// <summary>Name, audience, parameters and schedule may change only before sending starts.</summary>
    public static bool AllowsEditing(this CampaignStatus status) => status is CampaignStatus.Draft or CampaignStatus.Scheduled;

    public static bool AllowsDeleting(this CampaignStatus status) => status != CampaignStatus.Running;

    /// <summary>Why a move is refused, in the user's words.</summary>
    public static string RefusalFor(CampaignStatus from, CampaignStatus to) => (from, to) switch
    {
        (CampaignStatus.Running, CampaignStatus.Running) => "The campaign is already running.",
        (CampaignStatus.Paused, CampaignStatus.Paused) => "The campaign is already paused.",
        (_, CampaignStatus.Paused) => $"Only a running campaign can be paused; this one is {Describe(from)}.",
        (_, CampaignStatus.Running) when from.IsTerminal() => $"The campaign is {Describe(from)}: copy it to send again.",
        (_, CampaignStatus.Scheduled) => $"Only a draft can be scheduled; this campaign is {Describe(from)}.",
        (_, CampaignStatus.Cancelled) => $"The campaign is {Describe(from)} and can no longer be cancelled.",
        _ => $"A campaign that is {Describe(from)} cannot become {Describe(to)}.",
    };

    public static string Describe(this CampaignStatus status) => status.ToString().ToLowerInvariant();
}
