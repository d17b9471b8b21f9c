using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// Finds the account whose app secret signed a webhook. Meta posts several webhooks per message sent, so the account
/// that last matched the same phone number (or WABA) ids is remembered for <see cref="WebhookOptions.SignerCacheSeconds"/>
/// and tried first; anything else (no match remembered, or a signature it does not verify) reads the accounts from the
/// database, so a new account or a forged signature is always judged on current data. Saving an account on this
/// instance forgets everything at once.
/// </summary>
public sealed class WebhookSigners(DispatchDatabase database, AccountSecrets secrets, AccountChanges changes, TimeProvider clock, IOptions<WebhookOptions> options)
{
    /// <summary>More distinct addressees than any installation has numbers: past it, the memory starts over.</summary>
    private const int MaxRemembered = 1024;

    private sealed record Signer(int AccountId, string AppSecret, long AccountsVersion, DateTimeOffset Until);

    private readonly ConcurrentDictionary<string, Signer> _signers = new(StringComparer.Ordinal);

    /// <summary>The id of the first account (by id) for these phone number or WABA ids whose app secret matches the
    /// signature header; null when none does.</summary>
    public async Task<int?> FindAsync(IReadOnlyList<string> phoneNumberIds, IReadOnlyList<string> wabaIds, byte[] body, string signature, CancellationToken ct)
    {
        var key = string.Join('\n', phoneNumberIds) + "\n\n" + string.Join('\n', wabaIds);
        var now = clock.GetUtcNow();
        if (_signers.TryGetValue(key, out var known) && known.AccountsVersion == changes.Version && known.Until > now
            && WebhookEndpoints.SignatureMatches(body, signature, known.AppSecret))
            return known.AccountId;

        var version = changes.Version;
        await using var connection = await database.OpenAsync(ct);
        await using var query = connection.Command(
            """
            SELECT id, app_secret_protected FROM whatsapp_accounts
            WHERE phone_number_id = ANY(@phones) OR (waba_id <> '' AND waba_id = ANY(@wabas))
            ORDER BY id
            """).With("phones", phoneNumberIds.ToArray()).With("wabas", wabaIds.ToArray());
        var candidates = new List<(int Id, string? Protected)>();
        await using (var reader = await query.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                candidates.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }
        foreach (var (id, protectedSecret) in candidates)
        {
            var appSecret = secrets.TryUnprotect(AccountSecretKind.AppSecret, protectedSecret);
            if (!WebhookEndpoints.SignatureMatches(body, signature, appSecret))
                continue;
            if (_signers.Count >= MaxRemembered)
                _signers.Clear();
            _signers[key] = new Signer(id, appSecret!, version, now + TimeSpan.FromSeconds(options.Value.SignerCacheSeconds));
            return id;
        }
        return null;
    }
}
