using System.Globalization;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Contacts;

/// <summary>
/// Writes the contacts of a list filter as CSV, streamed row by row: phone, name, labels, status columns, then
/// one column per attribute key. Every cell goes through <see cref="CsvWriter"/>, so formulas are neutralised.
/// The file imports back as it is: phone and name are recognised and the status columns are left out.
/// </summary>
public sealed class ContactExporter(AppDbContext db, ContactQueries queries, AuditLog audit, TimeProvider clock)
{
    /// <summary>Columns describing a contact's state; an import does not turn them into attributes.</summary>
    public static readonly IReadOnlyList<string> StatusColumns = ["Labels", "Opted out", "Opted out at", "Blocked", "Active", "Created at"];

    public string FileName() => $"contacts-{clock.GetUtcNow():yyyyMMdd-HHmm}.csv";

    /// <summary>Records the export in the audit log (contacts are personal data).</summary>
    public async Task AuditAsync(ContactListQuery query, string actor, CancellationToken ct = default)
    {
        audit.Record(actor, "contacts.export", "contacts", query.IsFiltered ? query.ToUrl(includePaging: false) : "all contacts");
        await db.SaveChangesAsync(ct);
    }

    public async Task WriteAsync(ContactListQuery query, TextWriter output, CancellationToken ct = default)
    {
        var filtered = queries.Filter(query);
        var attributeKeys = await AttributeKeysAsync(filtered, ct);
        var csv = new CsvWriter(output);
        await csv.WriteRowAsync(["Phone", "Name", .. StatusColumns, .. attributeKeys.Select(ColumnName)], ct);

        var rows = ContactQueries.Sort(filtered, query)
            .Select(c => new
            {
                c.Phone, c.Name, c.Attributes, c.IsOptedOut, c.OptedOutAt, c.IsBlocked, c.IsActive, c.CreatedAt,
                Labels = c.Labels.OrderBy(l => l.Name).Select(l => l.Name).ToList(),
            })
            .AsAsyncEnumerable();
        var written = 0;
        await foreach (var contact in rows.WithCancellation(ct))
        {
            await csv.WriteRowAsync(
            [
                contact.Phone,
                contact.Name,
                string.Join(", ", contact.Labels),
                YesNo(contact.IsOptedOut),
                contact.OptedOutAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "",
                YesNo(contact.IsBlocked),
                YesNo(contact.IsActive),
                contact.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                .. attributeKeys.Select(key => contact.Attributes.GetValueOrDefault(key) ?? ""),
            ], ct);
            // Push rows to the client now and then rather than holding the whole file in the response buffer.
            if (++written % 500 == 0)
                await output.FlushAsync(ct);
        }
        await output.FlushAsync(ct);
    }

    /// <summary>The attribute keys used by the filtered contacts, read by PostgreSQL from the jsonb column.</summary>
    private async Task<IReadOnlyList<string>> AttributeKeysAsync(IQueryable<Contact> filtered, CancellationToken ct)
    {
        var ids = filtered.Select(c => c.Id);
        var keys = await db.Database
            .SqlQuery<AttributeKey>($"SELECT id AS \"ContactId\", jsonb_object_keys(attributes) AS \"Key\" FROM contacts")
            .Where(k => ids.Contains(k.ContactId))
            .Select(k => k.Key)
            .Distinct()
            .ToListAsync(ct);
        return keys.Order(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>An attribute named like one of our own columns gets a prefix, so the header stays unique.</summary>
    private static string ColumnName(string key) =>
        key.Equals("Phone", StringComparison.OrdinalIgnoreCase) || key.Equals("Name", StringComparison.OrdinalIgnoreCase)
        || StatusColumns.Contains(key, StringComparer.OrdinalIgnoreCase)
            ? "attribute " + key
            : key;

    private static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>A row of the keys query (an unmapped type: its columns are named like its properties).</summary>
    internal sealed class AttributeKey
    {
        public long ContactId { get; set; }
        public string Key { get; set; } = "";
    }
}
