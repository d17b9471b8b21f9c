using System.Collections.Concurrent;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>What one account's dispatcher in this instance is doing right now (for monitoring and tests).</summary>
public sealed record AccountDispatchState(
    int AccountId,
    bool IsDispatching,
    double ThroughputPerSecond,
    double CurrentRatePerSecond,
    int InFlight,
    int InFlightLimit,
    long Sends,
    long SlowDowns,
    double LowestRatePerSecond);

/// <summary>Live figures of this instance's dispatchers, by account.</summary>
public sealed class DispatchMonitor
{
    private readonly ConcurrentDictionary<int, AccountDispatchState> _accounts = new();

    public AccountDispatchState? For(int accountId) => _accounts.GetValueOrDefault(accountId);

    public IReadOnlyCollection<AccountDispatchState> All => _accounts.Values.ToList();

    internal void Update(AccountDispatchState state) => _accounts[state.AccountId] = state;
}
