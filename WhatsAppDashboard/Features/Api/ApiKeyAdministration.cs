using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Api;

/// <summary>Creates, lists and revokes API keys; the page and the <c>create-api-key</c> command both go through here.</summary>
public sealed class ApiKeyAdministration(AppDbContext db, AuditLog audit, TimeProvider clock)
{
    /// <summary>Permissions a key may carry. Managing users and keys stays with people.</summary>
    public static readonly IReadOnlyList<string> Grantable =
        Permissions.All.Where(p => p is not (Permissions.UsersManage or Permissions.ApiKeysManage)).ToList();

    /// <summary>
    /// Reads a comma-separated list such as <c>campaigns.view,campaigns.create</c> (any case, spaces allowed) into
    /// the canonical permission names; <paramref name="error"/> names what was not understood.
    /// </summary>
    public static IReadOnlyList<string> ParsePermissions(string? list, out string? error)
    {
        var parsed = new List<string>();
        var unknown = new List<string>();
        foreach (var item in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Grantable.FirstOrDefault(p => string.Equals(p, item, StringComparison.OrdinalIgnoreCase));
            if (match is null)
                unknown.Add(item);
            else if (!parsed.Contains(match))
                parsed.Add(match);
        }
        error = unknown.Count > 0
            ? $"Unknown permission{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown)}. Choose from: {string.Join(", ", Grantable.Select(p => p.ToLowerInvariant()))}."
            : parsed.Count == 0 ? "Give the key at least one permission." : null;
        return parsed;
    }

    public Task<List<ApiKey>> ListAsync(CancellationToken ct = default) =>
        db.ApiKeys.AsNoTracking().OrderBy(k => k.RevokedAt != null).ThenByDescending(k => k.CreatedAt).ToListAsync(ct);

    /// <summary>Creates a key; the returned plain key is shown once and never stored.</summary>
    public async Task<(OperationResult Result, string? Key)> CreateAsync(string name, IReadOnlyCollection<string> permissions, string actor, string? actorId, CancellationToken ct = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100)
            return (OperationResult.FailField("Name", "Give the key a name of 1 to 100 characters."), null);
        if (permissions.Count == 0)
            return (OperationResult.FailField("Permissions", "Give the key at least one permission."), null);
        var refused = permissions.Where(p => !Grantable.Contains(p)).ToList();
        if (refused.Count > 0)
            return (OperationResult.FailField("Permissions", $"A key cannot carry: {string.Join(", ", refused)}."), null);
        if (await db.ApiKeys.AnyAsync(k => k.Name == name && k.RevokedAt == null, ct))
            return (OperationResult.FailField("Name", $"An active key named “{name}” already exists."), null);

        var (key, prefix, hash) = ApiKeyTokens.Create();
        var apiKey = new ApiKey
        {
            Name = name,
            Prefix = prefix,
            KeyHash = hash,
            Permissions = Grantable.Where(permissions.Contains).ToList(),
            CreatedById = actorId,
            CreatedByName = actor,
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiKeys.Add(apiKey);
        audit.Record(actor, "api-key.created", $"api-key:{prefix}", $"{name}: {string.Join(", ", apiKey.Permissions)}");
        await db.SaveChangesAsync(ct);
        return (OperationResult.Success, key);
    }

    public async Task<OperationResult> RevokeAsync(int id, string actor, CancellationToken ct = default)
    {
        var apiKey = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct);
        if (apiKey is null)
            return OperationResult.Fail("That key does not exist.");
        if (apiKey.IsRevoked)
            return OperationResult.Fail($"The key “{apiKey.Name}” is already revoked.");
        apiKey.RevokedAt = clock.GetUtcNow();
        audit.Record(actor, "api-key.revoked", $"api-key:{apiKey.Prefix}", apiKey.Name);
        await db.SaveChangesAsync(ct);
        return OperationResult.Success;
    }
}
