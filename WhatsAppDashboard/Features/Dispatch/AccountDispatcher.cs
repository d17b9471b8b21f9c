using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>Everything an <see cref="AccountDispatcher"/> needs, shared by all of this instance's dispatchers.</summary>
public sealed record DispatchServices(
    DispatchDatabase Database,
    DispatchOptions Options,
    TimeProvider Clock,
    ICloudApiClient CloudApi,
    IServiceScopeFactory Scopes,
    DispatchMonitor Monitor,
    ILogger Logger);

/// <summary>
/// Sends the running campaigns of one WhatsApp account. Runs only while it holds the account's session-level
/// advisory lock, taken on a dedicated connection that also carries every query of the loop: if that session dies,
/// the next query fails and this dispatcher stops, and the lock is free for another instance.
/// <para>Each turn: re-read the account's running campaigns (so pause and cancel act within a turn), claim as many
/// due recipients as about a quarter second of sending and the free in-flight places allow (marked <c>sending</c>
/// before any request leaves), pace them through the token bucket, and hand each answer to the
/// <see cref="OutcomeWriter"/>. In-flight requests always finish and are recorded, even when stopping.</para>
/// </summary>
public sealed class AccountDispatcher
{
    /// <summary>Advisory-lock namespace (first key) for accounts; the second key is the account id.</summary>
    public const int AccountLockSpace = 0x57414441; // "WADA"

    private static readonly TimeSpan AccountRefresh = TimeSpan.FromSeconds(5);

    private readonly int _accountId;
    private readonly DispatchServices _services;
    private readonly DispatchOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly InFlightLimit _inFlight;
    private readonly DispatchSignal _wake = new();
    /// <summary>Recipients claimed by this dispatcher whose result is not written yet (id → campaign id).</summary>
    private readonly ConcurrentDictionary<long, int> _claimed = new();
    /// <summary>Campaigns whose sends the Cloud API refused at account level: not claimed until they are paused.</summary>
    private readonly ConcurrentDictionary<int, CloudApiError> _blocked = new();
    private readonly PortfolioBudget _budget = new();
    /// <summary>The batch being handed out through the token bucket; the loop claims the next one meanwhile.</summary>
    private Task _pacing = Task.CompletedTask;
    /// <summary>Claimed recipients whose request has not started yet.</summary>
    private int _queued;
    private SendRateLimiter? _rate;
    private long _sends;

    public AccountDispatcher(int accountId, DispatchServices services)
    {
        _accountId = accountId;
        _services = services;
        _options = services.Options;
        _clock = services.Clock;
        _logger = services.Logger;
        _inFlight = new InFlightLimit(_options.MinConcurrency, _options.MaxConcurrency);
    }

    public int AccountId => _accountId;

    /// <summary>Look for work now rather than at the end of the current wait.</summary>
    public void Wake() => _wake.Wake();

    /// <summary>Returns when the account has no running campaign left, another instance holds its lock, the
    /// database connection fails, or <paramref name="stopping"/> fires (after in-flight sends are recorded).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        NpgsqlConnection session;
        try
        {
            session = await _services.Database.OpenDedicatedAsync(stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "The dispatcher of account {AccountId} could not connect to the database.", _accountId);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // Closing the session releases the lock, whatever happens below.
        await using (session)
        {
            try
            {
                if (!await TryLockAsync(session, stopping))
                    return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "The dispatcher of account {AccountId} could not take the account's lock.", _accountId);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await DispatchWhileLockedAsync(session, stopping);
        }
    }

    private async Task DispatchWhileLockedAsync(NpgsqlConnection session, CancellationToken stopping)
    {
        var writer = new OutcomeWriter(_services.Database, _options, _clock, _logger, $"account {_accountId}", Written);
        var writing = writer.RunAsync();
        _logger.LogInformation("Dispatching the running campaigns of account {AccountId}.", _accountId);
        try
        {
            await DispatchAsync(session, writer, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: fall through to let in-flight sends finish.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "The dispatcher of account {AccountId} stopped after an error; it starts again at the next poll.", _accountId);
        }
        finally
        {
            // Never abandon a request in flight: its answer decides whether the recipient was sent.
            await _pacing;
            while (_inFlight.InFlight > 0)
                await _inFlight.WaitForReleaseAsync(TimeSpan.FromMilliseconds(100), _clock, CancellationToken.None);
            writer.Complete();
            await writing;
            Publish(isDispatching: false);
            await UnlockAsync(session);
            _logger.LogInformation("Stopped dispatching account {AccountId}.", _accountId);
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection session, CancellationToken ct)
    {
        await using var command = session.Command("SELECT pg_try_advisory_lock(@space, @account)")
            .With("space", AccountLockSpace).With("account", _accountId);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    private async Task UnlockAsync(NpgsqlConnection session)
    {
        try
        {
            await using var command = session.Command("SELECT pg_advisory_unlock(@space, @account)")
                .With("space", AccountLockSpace).With("account", _accountId);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The session is gone, and its lock with it.
        }
    }

    private async Task DispatchAsync(NpgsqlConnection session, OutcomeWriter writer, CancellationToken stopping)
    {
        // The account is read on the first turn, and again every few seconds (throughput, token, active).
        AccountContext? account = null;
        var nextAccountLoad = DateTimeOffset.MinValue;
        var nextReconcile = DateTimeOffset.MinValue;
        var roundRobin = 0;
        while (!stopping.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            if (now >= nextReconcile)
            {
                var marked = await RecipientClaims.MarkStaleSendingUnknownAsync(
                    session, _accountId, _claimed.Keys.ToList(), now, _options.StaleSendingAfter, stopping);
                if (marked > 0)
                    _logger.LogWarning("{Count} recipient(s) of account {AccountId} were left 'sending' by a dispatcher that stopped; they are now 'unknown'.", marked, _accountId);
                nextReconcile = now + TimeSpan.FromSeconds(_options.ReconcileIntervalSeconds);
            }

            var campaigns = await RecipientClaims.RunningCampaignsAsync(session, _accountId, stopping);
            foreach (var blocked in _blocked.Keys.Where(id => campaigns.All(c => c.Id != id)).ToList())
                _blocked.TryRemove(blocked, out _);
            Publish(isDispatching: true);
            if (campaigns.Count == 0)
            {
                if (_claimed.IsEmpty)
                    return;
                await _wake.WaitAsync(_options.PollInterval, _clock, stopping);
                continue;
            }

            if (account is null || now >= nextAccountLoad)
            {
                account = await TryLoadAccountAsync(stopping);
                nextAccountLoad = now + AccountRefresh;
                if (account?.Unusable is { } unusable)
                {
                    foreach (var campaign in campaigns)
                        await OutcomeWriter.PauseAsync(session, null, campaign.Id, "Sending paused: " + unusable, now);
                    _logger.LogWarning("Paused the running campaigns of account {AccountId}: {Reason}", _accountId, unusable);
                    account = null;
                    continue;
                }
                if (account is null)
                {
                    await _wake.WaitAsync(_options.PollInterval, _clock, stopping);
                    continue;
                }
                if (_rate is null)
                    _rate = new SendRateLimiter(account.Throughput, TimeSpan.FromSeconds(_options.SlowDownSeconds), _clock);
                else
                    _rate.SetThroughput(account.Throughput);
                writer.AccountName = account.Name;
            }

            var rate = _rate!.CurrentRate;
            var free = _inFlight.FreeFor(rate) - Volatile.Read(ref _queued);
            if (free <= 0)
            {
                await _inFlight.WaitForReleaseAsync(TimeSpan.FromMilliseconds(50), _clock, stopping);
                continue;
            }
            // About a quarter second of sending per claim, claimed while the previous one is still being handed out
            // (so the bucket never waits for the database): a pause or cancel is at most two claims behind.
            var size = Math.Max(1, Math.Min(free, Math.Min(_options.MaxClaimSize, (int)Math.Ceiling(rate / 4))));

            ClaimResult? claim = null;
            RunningCampaign? source = null;
            var idle = new List<RunningCampaign>();
            for (var i = 0; i < campaigns.Count && claim is null; i++)
            {
                var campaign = campaigns[(roundRobin + i) % campaigns.Count];
                if (_blocked.ContainsKey(campaign.Id))
                    continue;
                if (campaign.TemplateName is null)
                {
                    await OutcomeWriter.PauseAsync(session, null, campaign.Id,
                        "Sending paused: the campaign's template no longer exists. Copy the campaign and choose a template.", now);
                    continue;
                }
                var result = await RecipientClaims.ClaimAsync(session, campaign.Id, size, account.Portfolio, _budget, now, stopping);
                if (result.Recipients.Count > 0)
                {
                    foreach (var recipient in result.Recipients)
                        _claimed[recipient.Id] = campaign.Id;
                    claim = result;
                    source = campaign;
                    roundRobin = (roundRobin + i + 1) % campaigns.Count;
                }
                else if (result.LimitReason is { } reason)
                    _logger.LogWarning("Campaign {CampaignId} paused: {Reason}", campaign.Id, reason);
                else
                    idle.Add(campaign);
            }

            foreach (var campaign in idle)
            {
                if (!_claimed.Values.Contains(campaign.Id) && await RecipientClaims.TryCompleteAsync(session, campaign.Id, now, stopping))
                    _logger.LogInformation("Campaign {CampaignId} completed.", campaign.Id);
            }

            if (claim is null)
            {
                await WaitForDueWorkAsync(session, campaigns, stopping);
                continue;
            }
            Interlocked.Add(ref _queued, claim.Recipients.Count);
            await _pacing;
            _pacing = SendAsync(claim.Recipients, source!, account.Target!, writer, stopping);
        }
    }

    /// <summary>Nothing is due: sleep until the earliest retry, new work, or a written result (at most a poll interval).</summary>
    private async Task WaitForDueWorkAsync(NpgsqlConnection session, List<RunningCampaign> campaigns, CancellationToken stopping)
    {
        var wait = _options.PollInterval;
        var open = campaigns.Where(c => !_blocked.ContainsKey(c.Id)).Select(c => c.Id).ToList();
        if (open.Count > 0 && await RecipientClaims.NextDueAsync(session, open, stopping) is { } due && due != DateTimeOffset.MinValue)
        {
            var untilDue = due - _clock.GetUtcNow();
            if (untilDue < wait)
                wait = untilDue < TimeSpan.FromMilliseconds(5) ? TimeSpan.FromMilliseconds(5) : untilDue;
        }
        await _wake.WaitAsync(wait, _clock, stopping);
    }

    private async Task SendAsync(IReadOnlyList<ClaimedRecipient> batch, RunningCampaign campaign, CloudApiTarget target, OutcomeWriter writer, CancellationToken stopping)
    {
        var tokens = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (stopping.IsCancellationRequested || _blocked.ContainsKey(campaign.Id))
            {
                Release(batch, i, writer);
                return;
            }
            if (tokens == 0)
            {
                try
                {
                    tokens = await _rate!.AcquireAsync(batch.Count - i, stopping);
                }
                catch (OperationCanceledException)
                {
                    Release(batch, i, writer);
                    return;
                }
            }
            tokens--;
            _inFlight.Enter();
            Interlocked.Decrement(ref _queued);
            _ = SendOneAsync(batch[i], campaign, target, writer);
        }
        Publish(isDispatching: true);
    }

    /// <summary>Claimed recipients not sent after all go back to pending (or skipped, if the run was cancelled).</summary>
    private void Release(IReadOnlyList<ClaimedRecipient> batch, int from, OutcomeWriter writer)
    {
        for (var i = from; i < batch.Count; i++)
        {
            writer.Add(new SendOutcome(batch[i], null, null, Released: true));
            Interlocked.Decrement(ref _queued);
        }
    }

    private async Task SendOneAsync(ClaimedRecipient recipient, RunningCampaign campaign, CloudApiTarget target, OutcomeWriter writer)
    {
        // Runs on the pacing loop until the request is written (the first await that waits), so a request leaves when
        // its send was allowed: how evenly sends reach Meta is what its throughput window counts.
        SendOutcome outcome;
        try
        {
            outcome = await SendAndClassifyAsync(recipient, campaign, target);
        }
        catch (Exception ex)
        {
            // Whatever happened, the request may have left: never sent again without an explicit retry.
            outcome = new SendOutcome(recipient, null, new CloudApiError(
                CloudApiErrors.UnexpectedResponseCode, null, "Unexpected failure", ex.GetType().Name + ": " + ex.Message, null, null,
                ErrorClass.Transient, MayHaveBeenSent: true));
            _logger.LogError(ex, "Sending to recipient {RecipientId} failed unexpectedly; it is marked unknown.", recipient.Id);
        }
        // Recorded before the in-flight place is given back, so a stopping dispatcher waits for it.
        writer.Add(outcome);
        _inFlight.Leave();
    }

    private async Task<SendOutcome> SendAndClassifyAsync(ClaimedRecipient recipient, RunningCampaign campaign, CloudApiTarget target)
    {
        TemplateMessage message;
        try
        {
            message = FrozenMessage.Deserialize(recipient.ParametersJson).ToMessage(
                recipient.Phone.TrimStart('+'), campaign.TemplateName!, campaign.TemplateLanguage ?? "",
                recipient.Id.ToString(CultureInfo.InvariantCulture));
        }
        catch (JsonException ex)
        {
            return new SendOutcome(recipient, null, new CloudApiError(
                100, null, "Invalid parameter", "The recipient's saved parameters cannot be read: " + ex.Message, null, null,
                CloudApiErrors.Classify(100, null)));
        }

        var started = _clock.GetTimestamp();
        // Not the stopping token: a request that has left must be answered and recorded.
        var result = await _services.CloudApi.SendTemplateAsync(target, message, CancellationToken.None);
        _inFlight.RecordLatency(_clock.GetElapsedTime(started));
        if (result.Error is { } error)
        {
            if (error.Code == SendDecisions.ThroughputLimitCode && _rate!.SlowDown())
            {
                _logger.LogInformation("Meta answered 130429 for account {AccountId}: sending slowed to {Rate:0.#}/s for a while.",
                    _accountId, _rate.EffectiveRate);
            }
            if (error.Class == ErrorClass.AccountLevel)
                _blocked.TryAdd(campaign.Id, error);
        }
        else
            Interlocked.Increment(ref _sends);
        return new SendOutcome(recipient, result.Value?.MessageId, result.Error);
    }

    /// <summary>Called by the writer once a batch is stored: those recipients are no longer this dispatcher's claims.</summary>
    private void Written(IReadOnlyList<SendOutcome> batch)
    {
        foreach (var outcome in batch)
            _claimed.TryRemove(outcome.Recipient.Id, out _);
        _wake.Wake();
    }

    private void Publish(bool isDispatching)
    {
        if (_rate is null)
            return;
        var rate = _rate.CurrentRate;
        _services.Monitor.Update(new AccountDispatchState(
            _accountId, isDispatching, _rate.Throughput, rate, _inFlight.InFlight, _inFlight.LimitFor(rate),
            Interlocked.Read(ref _sends), _rate.SlowDowns, _rate.LowestRate));
    }

    /// <summary>The account as the dispatcher needs it, or why it cannot send.</summary>
    private sealed record AccountContext(string Name, int Throughput, CloudApiTarget? Target, PortfolioLimit? Portfolio, string? Unusable);

    private async Task<AccountContext?> TryLoadAccountAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = _services.Scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var account = await db.WhatsAppAccounts.AsNoTracking().Include(a => a.BusinessPortfolio)
                .FirstOrDefaultAsync(a => a.Id == _accountId, ct);
            if (account is null)
                return new AccountContext($"account {_accountId}", WhatsAppAccount.DefaultThroughput, null, null, "its WhatsApp account no longer exists.");
            if (!account.IsActive)
            {
                return new AccountContext(account.Name, account.ThroughputPerSecond, null, null,
                    $"{account.Name} is deactivated. Reactivate the account on its page, then resume the campaign.");
            }
            var target = scope.ServiceProvider.GetRequiredService<CloudApiTargets>().For(account);
            if (!target.Succeeded)
                return new AccountContext(account.Name, account.ThroughputPerSecond, null, null, target.Error);
            PortfolioLimit? portfolio = null;
            if (account.BusinessPortfolio is { } p)
            {
                var together = await db.WhatsAppAccounts.Where(a => a.BusinessPortfolioId == p.Id).SumAsync(a => a.ThroughputPerSecond, ct);
                portfolio = new PortfolioLimit(p.Id, p.MessagingLimitTier.UniqueRecipientsPer24Hours(), together);
            }
            return new AccountContext(account.Name, account.ThroughputPerSecond, target.Target, portfolio, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Account {AccountId} could not be read; the dispatcher tries again shortly.", _accountId);
            return null;
        }
    }
}
