namespace WhatsAppDashboard.Features.Accounts;

/// <summary>
/// A counter that moves whenever this instance saves an account, so what other features remember about accounts
/// (the webhook receiver's signers) is dropped at once here; other instances rely on their caches' short lifetime.
/// </summary>
public sealed class AccountChanges
{
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public void Saved() => Interlocked.Increment(ref _version);
}
