using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// The dispatcher of this instance: every poll (or at once when woken) it starts an <see cref="AccountDispatcher"/>
/// for each account with a running campaign that has none here yet. Which instance actually sends for an account is
/// decided by the account's advisory lock, so any number of instances may run this side by side. It also sweeps
/// stale <c>sending</c> rows of accounts nobody is dispatching (a campaign paused right after a crash).
/// </summary>
public sealed class CampaignDispatcher(
    DispatchDatabase database,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ICloudApiClient cloudApi,
    IServiceScopeFactory scopes,
    DispatchMonitor monitor,
    DispatchSignal signal,
    ILogger<CampaignDispatcher> logger) : BackgroundService
{
    private readonly DispatchOptions _options = options.Value;
    private readonly ConcurrentDictionary<int, (AccountDispatcher Dispatcher, Task Run)> _running = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            logger.LogInformation("The campaign dispatcher is off in this instance (Dispatch:Enabled = false).");
            return;
        }
        // Let the host finish starting before the first query.
        await Task.Yield();
        var services = new DispatchServices(database, _options, clock, cloudApi, scopes, monitor, logger);
        var nextSweep = clock.GetUtcNow();
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var accountId in await AccountsWithRunningCampaignsAsync(stoppingToken))
                {
                    if (!_running.ContainsKey(accountId))
                        Start(accountId, services, stoppingToken);
                }
                if (clock.GetUtcNow() >= nextSweep)
                {
                    await SweepStaleSendingAsync(stoppingToken);
                    nextSweep = clock.GetUtcNow() + TimeSpan.FromSeconds(_options.ReconcileIntervalSeconds);
                }
                if (failing)
                    logger.LogInformation("The campaign dispatcher reaches the database again.");
                failing = false;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Once per outage, not once per poll.
                if (!failing)
                    logger.LogWarning(ex, "The campaign dispatcher cannot read the database; it keeps trying.");
                failing = true;
            }

            try
            {
                await signal.WaitAsync(_options.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            foreach (var (dispatcher, _) in _running.Values)
                dispatcher.Wake();
        }
        await Task.WhenAll(_running.Values.Select(r => r.Run));
    }

    private void Start(int accountId, DispatchServices services, CancellationToken stoppingToken)
    {
        var dispatcher = new AccountDispatcher(accountId, services);
        var run = Task.Run(() => dispatcher.RunAsync(stoppingToken), CancellationToken.None);
        var entry = (dispatcher, run);
        _running[accountId] = entry;
        run.ContinueWith(_ => _running.TryRemove(new KeyValuePair<int, (AccountDispatcher, Task)>(accountId, entry)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<List<int>> AccountsWithRunningCampaignsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // Accounts another session is already dispatching are left out: a cheap look at pg_locks spares opening a
        // dedicated connection every poll just to be refused the lock (the lock itself still decides).
        await using var command = connection.Command(
            """
            SELECT DISTINCT c.account_id FROM campaigns c
            WHERE c.status = 'Running' AND c.account_id IS NOT NULL
              AND NOT EXISTS (
                SELECT 1 FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.classid = @space::oid AND l.objid = c.account_id::oid)
            """).With("space", AccountDispatcher.AccountLockSpace);
        var accounts = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            accounts.Add(reader.GetInt32(0));
        return accounts;
    }

    /// <summary>Stale 'sending' rows of accounts no dispatcher here is running: resolved by whoever can take the
    /// account's lock (if another instance holds it, that instance resolves them itself).</summary>
    private async Task SweepStaleSendingAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var accounts = new List<int>();
        await using (var connection = await database.OpenAsync(ct))
        await using (var command = connection.Command(
            """
            SELECT DISTINCT c.account_id FROM campaigns c
            WHERE c.account_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM campaign_recipients r WHERE r.campaign_id = c.id AND r.status = 'Sending' AND r.sending_at < @threshold)
            """).With("threshold", now - _options.StaleSendingAfter))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                accounts.Add(reader.GetInt32(0));
        }

        foreach (var accountId in accounts.Where(id => !_running.ContainsKey(id)))
        {
            await using var session = await database.OpenDedicatedAsync(ct);
            await using var tryLock = session.Command("SELECT pg_try_advisory_lock(@space, @account)")
                .With("space", AccountDispatcher.AccountLockSpace).With("account", accountId);
            if (await tryLock.ExecuteScalarAsync(ct) is not true)
                continue;
            var marked = await RecipientClaims.MarkStaleSendingUnknownAsync(session, accountId, [], now, _options.StaleSendingAfter, ct);
            if (marked > 0)
                logger.LogWarning("{Count} recipient(s) of account {AccountId} were left 'sending' by a dispatcher that stopped; they are now 'unknown'.", marked, accountId);
            // Closing the dedicated session releases the lock.
        }
    }
}
