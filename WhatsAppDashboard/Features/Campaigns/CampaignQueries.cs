using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>One campaign as a list row.</summary>
public sealed record CampaignRow(
    int Id, string Name, string? TemplateName, string? TemplateLanguage, string? AccountName, CampaignStatus Status,
    ScheduleKind ScheduleKind, int WizardStep, CampaignCounters Counters,
    DateTimeOffset? ScheduledAt, DateTimeOffset? StartedAt, DateTimeOffset CreatedAt, int? AccountId = null, int? TemplateId = null)
{
    public bool CanEdit => Status.AllowsEditing();
    public bool CanDelete => Status.AllowsDeleting();
}

/// <summary>A campaign's counters; <see cref="Sent"/> counts every message Meta accepted, delivered or read ones included.</summary>
public sealed record CampaignCounters(int Total, int Sent, int Delivered, int Read, int Failed, int Skipped)
{
    public static CampaignCounters Of(Campaign c) => new(c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount);

    /// <summary>Recipients that are done with (sent, failed or skipped).</summary>
    public int Processed => Sent + Failed + Skipped;

    /// <summary>0–100; 0 while there are no recipients yet.</summary>
    public int PercentDone => Total <= 0 ? 0 : (int)Math.Min(100, Math.Floor(100.0 * Processed / Total));
}

/// <summary>One page of the list, with the counts of every status tab under the same search and account filter.</summary>
public sealed record CampaignListPage(
    CampaignListQuery Query, IReadOnlyList<CampaignRow> Rows, IReadOnlyDictionary<CampaignStatus, int> CountsByStatus)
{
    public int AllCount => CountsByStatus.Values.Sum();

    /// <summary>Rows in the current tab (all pages).</summary>
    public int TotalCount => Query.Status is { } status ? CountsByStatus.GetValueOrDefault(status) : AllCount;

    public int PageCount => Math.Max(1, (TotalCount + Query.PageSize - 1) / Query.PageSize);
    public int FirstRowNumber => TotalCount == 0 ? 0 : (Query.Page - 1) * Query.PageSize + 1;
    public int LastRowNumber => (Query.Page - 1) * Query.PageSize + Rows.Count;
}

/// <summary>One run of a recurring campaign (a child campaign for one occurrence date).</summary>
public sealed record CampaignRunRow(int Id, DateOnly? OccurrenceDate, CampaignStatus Status, int Total, int Sent, int Failed);

/// <summary>The newest runs of a series and how many it has in all.</summary>
public sealed record CampaignRuns(IReadOnlyList<CampaignRunRow> Rows, int TotalCount);

public sealed record AccountOption(int Id, string Name, bool IsActive);

/// <summary>Reading campaigns for the list and the campaign page.</summary>
public sealed class CampaignQueries(AppDbContext db)
{
    public async Task<CampaignListPage> ListAsync(CampaignListQuery query, CancellationToken ct = default)
    {
        var filtered = Filter(query);

        // Every tab's count in one grouped query.
        var counts = await CountByStatusAsync(query, ct);
        var page = new CampaignListPage(query, [], counts);
        if (query.Page > page.PageCount)
            query = query with { Page = page.PageCount };

        var inTab = query.Status is { } status ? filtered.Where(c => c.Status == status) : filtered;
        var rows = await Sort(inTab, query)
            .Skip((query.Page - 1) * query.PageSize)
            .Take(query.PageSize)
            .Select(c => new CampaignRow(
                c.Id, c.Name,
                c.Template == null ? null : c.Template.Name,
                c.Template == null ? null : c.Template.Language,
                c.Account == null ? null : c.Account.Name,
                c.Status, c.ScheduleKind, c.WizardStep,
                new CampaignCounters(c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount),
                c.ScheduledAt, c.StartedAt, c.CreatedAt, c.AccountId, c.TemplateId))
            .ToListAsync(ct);
        return new CampaignListPage(query, rows, counts);
    }

    /// <summary>How many campaigns are in each status under the query's search and account (its status and paging are ignored).</summary>
    public async Task<IReadOnlyDictionary<CampaignStatus, int>> CountByStatusAsync(CampaignListQuery query, CancellationToken ct = default) =>
        await Filter(query)
            .GroupBy(c => c.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, ct);

    /// <summary>Accounts for the list's filter, inactive ones included (their campaigns still exist).</summary>
    public async Task<IReadOnlyList<AccountOption>> AccountsAsync(CancellationToken ct = default) =>
        await db.WhatsAppAccounts.AsNoTracking()
            .OrderByDescending(a => a.IsActive).ThenBy(a => a.Name)
            .Select(a => new AccountOption(a.Id, a.Name, a.IsActive))
            .ToListAsync(ct);

    /// <summary>The campaign with its account and template, read-only; null if it does not exist.</summary>
    public Task<Campaign?> FindAsync(int id, CancellationToken ct = default) =>
        db.Campaigns.AsNoTracking()
            .Include(c => c.Account)
            .Include(c => c.Template)
            .FirstOrDefaultAsync(c => c.Id == id, ct);

    /// <summary>The newest runs are shown; a long series keeps its older runs in the campaign list.</summary>
    public const int RunsShown = 100;

    /// <summary>The runs of a recurring series, newest occurrence first (at most <see cref="RunsShown"/>).</summary>
    public async Task<CampaignRuns> RunsOfAsync(int seriesId, CancellationToken ct = default)
    {
        var runs = db.Campaigns.AsNoTracking().Where(c => c.ParentCampaignId == seriesId);
        var rows = await runs
            .OrderByDescending(c => c.OccurrenceDate).ThenByDescending(c => c.Id)
            .Take(RunsShown)
            .Select(c => new CampaignRunRow(c.Id, c.OccurrenceDate, c.Status, c.TotalCount, c.SentCount, c.FailedCount))
            .ToListAsync(ct);
        return new CampaignRuns(rows, rows.Count < RunsShown ? rows.Count : await runs.CountAsync(ct));
    }

    /// <summary>The name of a campaign, or null when it does not exist (any more).</summary>
    public Task<string?> NameOfAsync(int id, CancellationToken ct = default) =>
        db.Campaigns.AsNoTracking().Where(c => c.Id == id).Select(c => c.Name).FirstOrDefaultAsync(ct);

    /// <summary>How many audience rows (CSV or API list) and rejects the campaign holds.</summary>
    public async Task<(int Rows, int Rejects)> AudienceRowCountsAsync(int campaignId, CancellationToken ct = default) =>
        (await db.CampaignAudienceRows.CountAsync(r => r.CampaignId == campaignId, ct),
         await db.CampaignAudienceRejects.CountAsync(r => r.CampaignId == campaignId, ct));

    private IQueryable<Campaign> Filter(CampaignListQuery query)
    {
        var campaigns = db.Campaigns.AsNoTracking();
        if (query.Search.Length > 0)
        {
            var pattern = "%" + EscapeLike(query.Search) + "%";
            campaigns = campaigns.Where(c => EF.Functions.ILike(c.Name, pattern, "\\"));
        }
        if (query.AccountId is { } accountId)
            campaigns = campaigns.Where(c => c.AccountId == accountId);
        return campaigns;
    }

    /// <summary>The query's order with the id as a tie-breaker, so pages never overlap.</summary>
    private static IOrderedQueryable<Campaign> Sort(IQueryable<Campaign> campaigns, CampaignListQuery query) => (query.Sort, query.Descending) switch
    {
        (CampaignSort.Name, false) => campaigns.OrderBy(c => c.Name).ThenBy(c => c.Id),
        (CampaignSort.Name, true) => campaigns.OrderByDescending(c => c.Name).ThenByDescending(c => c.Id),
        // In lifecycle order, not alphabetically.
        (CampaignSort.Status, false) => campaigns.OrderBy(StatusOrder).ThenByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        (CampaignSort.Status, true) => campaigns.OrderByDescending(StatusOrder).ThenByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        // The time the list shows: when it is scheduled, else when it started; campaigns with neither come last.
        (CampaignSort.Scheduled, false) => campaigns.OrderBy(c => (c.ScheduledAt ?? c.StartedAt) == null).ThenBy(c => c.ScheduledAt ?? c.StartedAt).ThenBy(c => c.Id),
        (CampaignSort.Scheduled, true) => campaigns.OrderBy(c => (c.ScheduledAt ?? c.StartedAt) == null).ThenByDescending(c => c.ScheduledAt ?? c.StartedAt).ThenByDescending(c => c.Id),
        (_, false) => campaigns.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
        (_, true) => campaigns.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
    };

    /// <summary>Lifecycle position of the status, as an expression the database can sort by.</summary>
    private static readonly Expression<Func<Campaign, int>> StatusOrder = c =>
        c.Status == CampaignStatus.Draft ? 0
        : c.Status == CampaignStatus.Scheduled ? 1
        : c.Status == CampaignStatus.Running ? 2
        : c.Status == CampaignStatus.Paused ? 3
        : c.Status == CampaignStatus.Completed ? 4
        : c.Status == CampaignStatus.Failed ? 5
        : 6;

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
