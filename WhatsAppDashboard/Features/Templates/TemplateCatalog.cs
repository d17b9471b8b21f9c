using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Templates;

public sealed record TemplateFilter(int? AccountId, string? Status, string? Category, string? Language);

public sealed record TemplateRow(
    int Id, string Name, string Language, string Category, string Status, int AccountId, string AccountName, DateTimeOffset SyncedAt);

public sealed record TemplateAccount(int Id, string Name, bool IsActive, bool IsSandbox, DateTimeOffset? TemplatesSyncedAt, int TemplateCount);

/// <summary>The values each filter can take, from what is stored.</summary>
public sealed record TemplateFilterOptions(IReadOnlyList<string> Statuses, IReadOnlyList<string> Categories, IReadOnlyList<string> Languages);

/// <summary>Reading synced templates for the templates pages (and, later, the campaign wizard).</summary>
public sealed class TemplateCatalog(AppDbContext db)
{
    public async Task<IReadOnlyList<TemplateRow>> ListAsync(TemplateFilter filter, CancellationToken ct = default)
    {
        var query = db.WhatsAppTemplates.AsNoTracking();
        if (filter.AccountId is { } accountId)
            query = query.Where(t => t.AccountId == accountId);
        if (!string.IsNullOrEmpty(filter.Status))
            query = query.Where(t => t.Status == filter.Status);
        if (!string.IsNullOrEmpty(filter.Category))
            query = query.Where(t => t.Category == filter.Category);
        if (!string.IsNullOrEmpty(filter.Language))
            query = query.Where(t => t.Language == filter.Language);
        return await query
            .OrderBy(t => t.Name).ThenBy(t => t.Language).ThenBy(t => t.Account.Name)
            .Select(t => new TemplateRow(t.Id, t.Name, t.Language, t.Category, t.Status, t.AccountId, t.Account.Name, t.SyncedAt))
            .ToListAsync(ct);
    }

    public async Task<IReadOnlyList<TemplateAccount>> AccountsAsync(CancellationToken ct = default) =>
        await db.WhatsAppAccounts.AsNoTracking()
            .OrderByDescending(a => a.IsActive).ThenBy(a => a.Name)
            .Select(a => new TemplateAccount(a.Id, a.Name, a.IsActive, a.IsSandbox, a.TemplatesSyncedAt,
                db.WhatsAppTemplates.Count(t => t.AccountId == a.Id)))
            .ToListAsync(ct);

    public async Task<TemplateFilterOptions> FilterOptionsAsync(CancellationToken ct = default)
    {
        var values = await db.WhatsAppTemplates.AsNoTracking()
            .Select(t => new { t.Status, t.Category, t.Language })
            .Distinct()
            .ToListAsync(ct);
        return new TemplateFilterOptions(
            values.Select(v => v.Status).Distinct().Order(StringComparer.Ordinal).ToList(),
            values.Select(v => v.Category).Distinct().Order(StringComparer.Ordinal).ToList(),
            values.Select(v => v.Language).Distinct().Order(StringComparer.Ordinal).ToList());
    }

    public Task<WhatsAppTemplate?> FindAsync(int id, CancellationToken ct = default) =>
        db.WhatsAppTemplates.AsNoTracking().Include(t => t.Account).FirstOrDefaultAsync(t => t.Id == id, ct);
}
