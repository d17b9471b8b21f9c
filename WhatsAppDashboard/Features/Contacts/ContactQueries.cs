using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Contacts;

public sealed record ContactRow(
    long Id, string Phone, string Name, IReadOnlyList<string> Labels, bool IsOptedOut, bool IsBlocked, bool IsActive,
    DateTimeOffset CreatedAt);

/// <summary>One page of the list; <see cref="Query"/> is the request with the page clamped to what exists.</summary>
public sealed record ContactListPage(ContactListQuery Query, IReadOnlyList<ContactRow> Rows, int TotalCount)
{
    public int PageCount => Math.Max(1, (TotalCount + Query.PageSize - 1) / Query.PageSize);
    public int FirstRowNumber => TotalCount == 0 ? 0 : (Query.Page - 1) * Query.PageSize + 1;
    public int LastRowNumber => (Query.Page - 1) * Query.PageSize + Rows.Count;
}

public sealed record LabelSummary(int Id, string Name, int ContactCount);

/// <summary>Reading contacts and labels: the filtered list, one contact, label counts.</summary>
public sealed class ContactQueries(AppDbContext db)
{
    public async Task<ContactListPage> ListAsync(ContactListQuery query, CancellationToken ct = default)
    {
        var filtered = Filter(query);
        var total = await filtered.CountAsync(ct);
        var pageCount = Math.Max(1, (total + query.PageSize - 1) / query.PageSize);
        if (query.Page > pageCount)
            query = query with { Page = pageCount };

        var rows = await Sort(filtered, query)
            .Skip((query.Page - 1) * query.PageSize)
            .Take(query.PageSize)
            .Select(c => new
            {
                c.Id, c.Phone, c.Name, c.IsOptedOut, c.IsBlocked, c.IsActive, c.CreatedAt,
                Labels = c.Labels.OrderBy(l => l.Name).Select(l => l.Name).ToList(),
            })
            .ToListAsync(ct);
        return new ContactListPage(
            query,
            rows.Select(r => new ContactRow(r.Id, r.Phone, r.Name, r.Labels, r.IsOptedOut, r.IsBlocked, r.IsActive, r.CreatedAt)).ToList(),
            total);
    }

    /// <summary>The contacts matching the query's search, label and status (no paging, no order).</summary>
    public IQueryable<Contact> Filter(ContactListQuery query)
    {
        var contacts = db.Contacts.AsNoTracking();
        if (query.Search.Length > 0)
        {
            var pattern = "%" + EscapeLike(query.Search) + "%";
            if (LooksLikePhone(query.Search))
            {
                // "07911 123", "+44 (0)7911": compare digits, since stored numbers have no formatting.
                var digits = "%" + new string(query.Search.Where(char.IsAsciiDigit).ToArray()) + "%";
                contacts = contacts.Where(c => EF.Functions.Like(c.Phone, digits) || EF.Functions.ILike(c.Name, pattern, "\\"));
            }
            else
            {
                contacts = contacts.Where(c => EF.Functions.ILike(c.Name, pattern, "\\") || EF.Functions.ILike(c.Phone, pattern, "\\"));
            }
        }
        if (query.Label.Length > 0)
            contacts = contacts.Where(c => c.Labels.Any(l => l.Name == query.Label));
        return query.Status switch
        {
            ContactStatusFilter.Active => contacts.Where(c => c.IsActive && !c.IsOptedOut && !c.IsBlocked),
            ContactStatusFilter.OptedOut => contacts.Where(c => c.IsOptedOut),
            ContactStatusFilter.Blocked => contacts.Where(c => c.IsBlocked),
            ContactStatusFilter.Inactive => contacts.Where(c => !c.IsActive),
            _ => contacts,
        };
    }

    /// <summary>The query's order, with the id as a tie-breaker so pages never overlap.</summary>
    public static IOrderedQueryable<Contact> Sort(IQueryable<Contact> contacts, ContactListQuery query) => (query.Sort, query.Descending) switch
    {
        (ContactSort.Phone, false) => contacts.OrderBy(c => c.Phone),
        (ContactSort.Phone, true) => contacts.OrderByDescending(c => c.Phone),
        (ContactSort.Created, false) => contacts.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
        (ContactSort.Created, true) => contacts.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        (_, false) => contacts.OrderBy(c => c.Name).ThenBy(c => c.Phone),
        (_, true) => contacts.OrderByDescending(c => c.Name).ThenByDescending(c => c.Phone),
    };

    public Task<Contact?> FindAsync(long id, CancellationToken ct = default) =>
        db.Contacts.AsNoTracking().Include(c => c.Labels).FirstOrDefaultAsync(c => c.Id == id, ct);

    public async Task<IReadOnlyList<LabelSummary>> LabelsAsync(CancellationToken ct = default) =>
        await db.Labels.AsNoTracking()
            .OrderBy(l => l.Name)
            .Select(l => new LabelSummary(l.Id, l.Name, l.Contacts.Count))
            .ToListAsync(ct);

    private static bool LooksLikePhone(string search) =>
        search.Any(char.IsAsciiDigit) && search.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.');

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
