using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Templates;

/// <summary>How a sync went; <see cref="Error"/> is set when nothing was changed.</summary>
public sealed record TemplateSyncResult(string AccountName, int Added, int Updated, int Unchanged, int Removed, string? Error)
{
    public bool Succeeded => Error is null;
    public int Listed => Added + Updated + Unchanged;

    public static TemplateSyncResult Fail(string accountName, string error) => new(accountName, 0, 0, 0, 0, error);
}

/// <summary>
/// Brings an account's templates in line with what Meta lists: new ones added, changed ones updated (status,
/// category, components), vanished ones marked <see cref="TemplateSendability.Deleted"/>; all in one transaction,
/// audited. Callers must hold Templates.Manage.
/// </summary>
public sealed class TemplateSync(
    AppDbContext db, CloudApiTargets targets, ICloudApiClient cloudApi, AuditLog audit, TimeProvider clock)
{
    public async Task<TemplateSyncResult> SyncAsync(int accountId, string actor, CancellationToken ct = default)
    {
        var account = await db.WhatsAppAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
            return TemplateSyncResult.Fail("", "That account no longer exists.");
        if (!account.IsActive)
            return TemplateSyncResult.Fail(account.Name, $"{account.Name} is deactivated: reactivate it before syncing its templates.");
        var target = targets.For(account);
        if (!target.Succeeded)
            return TemplateSyncResult.Fail(account.Name, target.Error!);

        // The Graph API is called outside the transaction: no lock is held while waiting for Meta.
        var listed = await cloudApi.ListTemplatesAsync(target.Target!, ct);
        if (!listed.Succeeded)
            return TemplateSyncResult.Fail(account.Name, $"Meta refused to list the templates: {listed.Error}");
        return await ApplyAsync(accountId, listed.Value!, actor, ct);
    }

    /// <summary>Stores a listing of the account's templates (from Meta, or the sandbox's catalogue when seeding).</summary>
    public async Task<TemplateSyncResult> ApplyAsync(int accountId, IReadOnlyList<RemoteTemplate> listing, string actor, CancellationToken ct = default)
    {
        var remote = listing
            .GroupBy(t => (t.Name, t.Language))
            .Select(g => g.Last())
            .ToList();

        var now = clock.GetUtcNow();
        // Joins the caller's transaction when there is one (seeding stores an account and its templates together).
        await using var ownTransaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        // Two syncs of one account queue up here instead of racing to insert the same templates.
        var locked = await db.WhatsAppAccounts
            .FromSql($"SELECT * FROM whatsapp_accounts WHERE id = {accountId} FOR UPDATE")
            .SingleOrDefaultAsync(ct);
        if (locked is null)
            return TemplateSyncResult.Fail("", "That account no longer exists.");

        var stored = await db.WhatsAppTemplates.Where(t => t.AccountId == accountId).ToListAsync(ct);
        var byKey = stored.ToDictionary(t => (t.Name, t.Language));
        int added = 0, updated = 0, unchanged = 0, removed = 0;
        foreach (var template in remote)
        {
            var components = NormalizeComponents(template.ComponentsJson);
            if (!byKey.Remove((template.Name, template.Language), out var existing))
            {
                db.WhatsAppTemplates.Add(new WhatsAppTemplate
                {
                    AccountId = accountId,
                    MetaTemplateId = template.Id,
                    Name = template.Name,
                    Language = template.Language,
                    Category = template.Category,
                    Status = template.Status,
                    ParameterFormat = ParameterFormat(template.ParameterFormat),
                    ComponentsJson = components,
                    SyncedAt = now,
                });
                added++;
                continue;
            }
            var changed = existing.MetaTemplateId != template.Id
                || existing.Category != template.Category
                || existing.Status != template.Status
                || existing.ParameterFormat != ParameterFormat(template.ParameterFormat)
                || !SameJson(existing.ComponentsJson, components);
            if (changed)
            {
                existing.MetaTemplateId = template.Id;
                existing.Category = template.Category;
                existing.Status = template.Status;
                existing.ParameterFormat = ParameterFormat(template.ParameterFormat);
                existing.ComponentsJson = components;
                updated++;
            }
            else
            {
                unchanged++;
            }
            existing.SyncedAt = now;
        }
        // What is left was not listed: Meta deleted it. Kept (campaigns may refer to it), but no longer sendable.
        foreach (var vanished in byKey.Values.Where(t => t.Status != TemplateSendability.Deleted))
        {
            vanished.Status = TemplateSendability.Deleted;
            vanished.SyncedAt = now;
            removed++;
        }

        locked.TemplatesSyncedAt = now;
        audit.Record(actor, "templates.sync", locked.Name,
            $"listed={remote.Count}, added={added}, updated={updated}, unchanged={unchanged}, removed={removed}");
        await db.SaveChangesAsync(ct);
        if (ownTransaction is not null)
            await ownTransaction.CommitAsync(ct);
        return new TemplateSyncResult(locked.Name, added, updated, unchanged, removed, null);
    }

    private static string ParameterFormat(string? format) =>
        string.Equals(format, TemplateDefinition.NamedFormat, StringComparison.OrdinalIgnoreCase)
            ? TemplateDefinition.NamedFormat
            : TemplateDefinition.PositionalFormat;

    /// <summary>The components array as JSON text; anything that is not a JSON array is stored as an empty one.</summary>
    private static string NormalizeComponents(string? json)
    {
        try
        {
            return JsonNode.Parse(json ?? "") is JsonArray array ? array.ToJsonString() : "[]";
        }
        catch (JsonException)
        {
            return "[]";
        }
    }

    /// <summary>jsonb reorders keys and drops whitespace, so stored and fresh components are compared as JSON.</summary>
    private static bool SameJson(string stored, string fresh)
    {
        try
        {
            return JsonNode.DeepEquals(JsonNode.Parse(stored), JsonNode.Parse(fresh));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
