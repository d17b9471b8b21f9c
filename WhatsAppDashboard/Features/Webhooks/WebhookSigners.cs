using System.Collections.Concurrent;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// Finds the account whose app secret signed a webhook. The accounts are read on every request (a changed or removed
/// account counts at once), with plain Npgsql because this runs for every one of Meta's posts; only the decrypted
/// secrets are remembered, by their ciphertext, so a new secret is simply a new entry.
/// </summary>
public sealed class WebhookSigners(DispatchDatabase database, AccountSecrets secrets)
{
    /// <summary>More distinct ciphertexts than any installation has accounts: past it, the memory starts over.</summary>
    private const int MaxRemembered = 1024;

    private readonly ConcurrentDictionary<string, string> _plaintexts = new(StringComparer.Ordinal);

    /// <summary>The id of the first account (by id) for these phone number or WABA ids whose app secret matches the
    /// signature header; null when none does.</summary>
    public async Task<int?> FindAsync(IReadOnlyList<string> phoneNumberIds, IReadOnlyList<string> wabaIds, byte[] body, string signature, CancellationToken ct)
    {
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
            if (WebhookEndpoints.SignatureMatches(body, signature, AppSecret(protectedSecret)))
                return id;
        }
        return null;
    }

    private string? AppSecret(string? protectedSecret)
    {
        if (string.IsNullOrEmpty(protectedSecret))
            return null;
        if (_plaintexts.TryGetValue(protectedSecret, out var known))
            return known;
        if (_plaintexts.Count >= MaxRemembered)
            _plaintexts.Clear();
        var plaintext = secrets.TryUnprotect(AccountSecretKind.AppSecret, protectedSecret);
        // A secret that does not decrypt now (a key ring being restored) is tried again next time.
        if (plaintext is not null)
            _plaintexts[protectedSecret] = plaintext;
        return plaintext;
    }
}
