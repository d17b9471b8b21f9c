using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Campaigns;

namespace WhatsAppDashboard.Features.Live;

/// <summary>
/// Turns change notifications into pushes. Changes are folded per campaign into a dirty set; a single loop takes the
/// whole set at most <see cref="LiveOptions.MaxPushesPerSecond"/> times a second, builds the snapshots of those
/// campaigns with one query and sends each to its campaign's group and to the list's group. Only campaigns someone
/// on this instance watches are kept: with nobody watching, a change costs a dictionary look-up and nothing more.
/// </summary>
public sealed class CampaignProgressNotifier(
    IHubContext<CampaignHub> hub,
    IServiceScopeFactory scopes,
    IOptions<LiveOptions> options,
    TimeProvider clock,
    ILogger<CampaignProgressNotifier> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<int>> _campaignsByConnection = [];
    private readonly Dictionary<int, int> _watcherCounts = [];
    private readonly HashSet<string> _listWatchers = [];
    private HashSet<int> _dirty = [];
    private bool _resyncList;
    private DateTimeOffset _resyncSince;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _pushes;
    private long _flushes;

    /// <summary>Snapshots sent so far (one per campaign per group), for monitoring and tests.</summary>
    public long Pushes => Interlocked.Read(ref _pushes);

    /// <summary>Batches built so far (one query each).</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Connections of this instance watching the list.</summary>
    public int ListWatcherCount
    {
        get
        {
            lock (_gate)
                return _listWatchers.Count;
        }
    }

    /// <summary>Campaigns someone on this instance watches.</summary>
    public int WatchedCampaignCount
    {
        get
        {
            lock (_gate)
                return _watcherCounts.Count;
        }
    }

    public void WatchCampaign(string connectionId, int campaignId)
    {
        lock (_gate)
        {
            if (!_campaignsByConnection.TryGetValue(connectionId, out var campaigns))
                _campaignsByConnection[connectionId] = campaigns = [];
            if (campaigns.Add(campaignId))
                _watcherCounts[campaignId] = _watcherCounts.GetValueOrDefault(campaignId) + 1;
        }
    }

    public void UnwatchCampaign(string connectionId, int campaignId)
    {
        lock (_gate)
        {
            if (_campaignsByConnection.TryGetValue(connectionId, out var campaigns) && campaigns.Remove(campaignId))
                Release(campaignId);
        }
    }

    public void WatchList(string connectionId)
    {
        lock (_gate)
            _listWatchers.Add(connectionId);
    }

    public void UnwatchList(string connectionId)
    {
        lock (_gate)
            _listWatchers.Remove(connectionId);
    }

    /// <summary>The connection is gone: forget everything it watched.</summary>
    public void Forget(string connectionId)
    {
        lock (_gate)
        {
            _listWatchers.Remove(connectionId);
            if (_campaignsByConnection.Remove(connectionId, out var campaigns))
                foreach (var campaignId in campaigns)
                    Release(campaignId);
        }
    }

    /// <summary>A campaign changed (its row was inserted, updated or deleted) on any instance.</summary>
    public void MarkChanged(int campaignId)
    {
        lock (_gate)
        {
            if (_listWatchers.Count == 0 && !_watcherCounts.ContainsKey(campaignId))
                return;
            _dirty.Add(campaignId);
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Notifications may have been missed since <paramref name="since"/> (the listener lost its connection): every
    /// watched campaign counts as changed, and for the list every campaign that is active or ended since then.
    /// </summary>
    public void MarkAllChanged(DateTimeOffset since)
    {
        lock (_gate)
        {
            _dirty.UnionWith(_watcherCounts.Keys);
            if (_listWatchers.Count > 0)
            {
                _resyncList = true;
                _resyncSince = since;
            }
        }
        _wake.Writer.TryWrite(true);
    }

    private void Release(int campaignId)
    {
        var left = _watcherCounts.GetValueOrDefault(campaignId) - 1;
        if (left > 0)
            _watcherCounts[campaignId] = left;
        else
            _watcherCounts.Remove(campaignId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(1 / options.Value.MaxPushesPerSecond);
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                var flushed = await FlushAsync(stoppingToken);
                // The throttle: whatever changes meanwhile waits for the next batch (longer while the database fails).
                await Task.Delay(flushed ? interval : RetryAfterFailure, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(2);

    /// <returns>False when the snapshots could not be built (the changes are kept for the next try).</returns>
    private async Task<bool> FlushAsync(CancellationToken ct)
    {
        HashSet<int> dirty;
        bool resyncList;
        DateTimeOffset resyncSince;
        lock (_gate)
        {
            (dirty, _dirty) = (_dirty, []);
            (resyncList, _resyncList) = (_resyncList, false);
            resyncSince = _resyncSince;
        }
        if (dirty.Count == 0 && !resyncList)
            return true;

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (resyncList)
                dirty.UnionWith(await ActiveOrEndedSinceAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), resyncSince, ct));
            var snapshots = await scope.ServiceProvider.GetRequiredService<CampaignSnapshots>().ForAsync(dirty, ct);
            Interlocked.Increment(ref _flushes);
            foreach (var snapshot in snapshots)
            {
                bool campaignWatched, listWatched;
                lock (_gate)
                {
                    campaignWatched = _watcherCounts.ContainsKey(snapshot.Id);
                    listWatched = _listWatchers.Count > 0;
                }
                if (campaignWatched)
                {
                    await hub.Clients.Group(CampaignHub.GroupOf(snapshot.Id)).SendAsync(CampaignHub.ProgressMethod, snapshot, ct);
                    Interlocked.Increment(ref _pushes);
                }
                if (listWatched)
                {
                    await hub.Clients.Group(CampaignHub.ListGroup).SendAsync(CampaignHub.ProgressMethod, snapshot, ct);
                    Interlocked.Increment(ref _pushes);
                }
            }
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Try again with the next batch rather than lose the changes.
            logger.LogWarning(ex, "Building live snapshots of {Count} campaign(s) failed; trying again shortly.", dirty.Count);
            lock (_gate)
            {
                _dirty.UnionWith(dirty);
                _resyncList |= resyncList;
            }
            _wake.Writer.TryWrite(true);
            return false;
        }
    }

    /// <summary>For the list after missed notifications: campaigns that may be moving, or stopped moving lately.</summary>
    private static async Task<List<int>> ActiveOrEndedSinceAsync(AppDbContext db, DateTimeOffset since, CancellationToken ct) =>
        await db.Campaigns.AsNoTracking()
            .Where(c => c.Status == CampaignStatus.Running || c.Status == CampaignStatus.Paused || c.Status == CampaignStatus.Scheduled
                        || c.CompletedAt >= since || c.UpdatedAt >= since)
            .OrderByDescending(c => c.Id)
            .Select(c => c.Id)
            .Take(CampaignSnapshots.MaxBatch)
            .ToListAsync(ct);
}
