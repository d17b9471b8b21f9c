using Microsoft.AspNetCore.SignalR;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Live;

/// <summary>
/// Live campaign progress for signed-in users (the fallback policy refuses anyone else with 401). A page watches one
/// campaign (group <c>campaign-{id}</c>) or the list (group <c>campaign-list</c>) and receives <c>progress</c> with a
/// <see cref="CampaignSnapshot"/> whenever it changes, at most a few times a second (<see cref="CampaignProgressNotifier"/>).
/// </summary>
public sealed class CampaignHub(CampaignProgressNotifier notifier, CampaignSnapshots snapshots) : Hub
{
    public const string Path = "/hubs/campaigns";
    public const string ProgressMethod = "progress";
    public const string ListGroup = "campaign-list";
    /// <summary>Most campaigns one <see cref="GetSnapshots"/> call may ask for (a page of the list is at most 100).</summary>
    public const int MaxSnapshotsPerCall = 200;

    public static string GroupOf(int campaignId) => $"campaign-{campaignId}";

    /// <summary>Starts the pushes for one campaign and returns its snapshot now.</summary>
    public async Task<CampaignSnapshot> WatchCampaign(int campaignId)
    {
        RequireView();
        // Watch first, read second: a change committed in between is pushed, so nothing falls through the gap.
        notifier.WatchCampaign(Context.ConnectionId, campaignId);
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(campaignId), Context.ConnectionAborted);
        var snapshot = await snapshots.FindAsync(campaignId, Context.ConnectionAborted);
        if (snapshot is not null)
            return snapshot;
        notifier.UnwatchCampaign(Context.ConnectionId, campaignId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(campaignId));
        throw new HubException($"Campaign {campaignId} does not exist (any more).");
    }

    public async Task UnwatchCampaign(int campaignId)
    {
        notifier.UnwatchCampaign(Context.ConnectionId, campaignId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(campaignId));
    }

    /// <summary>Starts the pushes of every campaign that changes, for the campaign list (which shows any of them).</summary>
    public async Task WatchList()
    {
        RequireView();
        notifier.WatchList(Context.ConnectionId);
        await Groups.AddToGroupAsync(Context.ConnectionId, ListGroup, Context.ConnectionAborted);
    }

    public async Task UnwatchList()
    {
        notifier.UnwatchList(Context.ConnectionId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, ListGroup);
    }

    /// <summary>The snapshots of the given campaigns now (those that exist), e.g. to refresh a list after reconnecting.</summary>
    public async Task<IReadOnlyList<CampaignSnapshot>> GetSnapshots(int[] campaignIds)
    {
        RequireView();
        if (campaignIds.Length > MaxSnapshotsPerCall)
            throw new HubException($"Ask for at most {MaxSnapshotsPerCall} campaigns at a time.");
        return await snapshots.ForAsync(campaignIds, Context.ConnectionAborted);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        notifier.Forget(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    private void RequireView()
    {
        // Every role may view campaigns today; the check keeps the hub right if that ever changes.
        if (Context.User?.Has(Permissions.CampaignsView) != true)
            throw new HubException("Your role cannot view campaigns.");
    }
}
