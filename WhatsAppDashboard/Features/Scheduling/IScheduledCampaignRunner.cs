namespace WhatsAppDashboard.Features.Scheduling;

/// <summary>
/// What happens when a campaign's schedule fires. Resolved in a scope of its own for each fire.
/// </summary>
/// <remarks>
/// Implementations must be idempotent: a fire is retried after an exception, and run again after a crash cut it
/// short, so the same (campaign, time) can arrive more than once. A guarded status update (only a scheduled campaign
/// starts) is what makes a repeat harmless. Throw to have the fire retried; return to finish it.
/// </remarks>
public interface IScheduledCampaignRunner
{
    /// <param name="campaignId">The campaign the schedule belongs to.</param>
    /// <param name="scheduledForUtc">When the fire was meant to happen (it may come later: after a restart, say).</param>
    /// <param name="occurrenceDate">For one occurrence of a recurring campaign, the local date it stands for; else null.</param>
    /// <param name="ct">Cancelled when the app shuts down without waiting.</param>
    Task RunAsync(int campaignId, DateTimeOffset scheduledForUtc, DateOnly? occurrenceDate, CancellationToken ct);
}
