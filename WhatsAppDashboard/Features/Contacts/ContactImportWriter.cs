using Npgsql;
using NpgsqlTypes;

namespace WhatsAppDashboard.Features.Contacts;

/// <summary>A valid, de-duplicated row of an import, ready to be written: an E.164 phone, a name ("" keeps the
/// contact's own) and the attributes as a JSON object.</summary>
internal sealed record PendingContact(string Phone, string Name, string AttributesJson);

/// <summary>
/// Writes the rows of one contacts import, batch by batch, inside the import's transaction. Each batch is copied with
/// a binary COPY into a temporary table, then applied by ONE statement that upserts the contacts, adds the labels to
/// every one of them and counts what was new and what was updated, so the work per row happens in the database and
/// a batch costs two round trips whatever its size. The temporary table goes away with the transaction.
/// </summary>
internal sealed class ContactImportWriter(NpgsqlConnection connection, NpgsqlTransaction transaction, int[] labelIds, DateTimeOffset now)
{
    private const string StagingTable = "contact_import_rows";

    private const string CreateStagingSql = $"""
        CREATE TEMPORARY TABLE {StagingTable} (
            ordinal integer NOT NULL,
            phone text NOT NULL,
            name text NOT NULL,
            attributes jsonb NOT NULL
        ) ON COMMIT DROP
        """;

    private const string CopySql = $"COPY {StagingTable} (ordinal, phone, name, attributes) FROM STDIN (FORMAT BINARY)";

    // Rows are already unique by phone (the import keeps the first of each), so ON CONFLICT never meets the same
    // contact twice in one statement. xmax = 0 only on a row this statement inserted. A contact this transaction just
    // created has no labels anyone else could have added, so its labels skip the conflict check existing contacts need.
    // The label CTEs run even though nothing reads them; with no labels they insert nothing.
    private const string ApplySql = $"""
        WITH upserted AS (
            INSERT INTO contacts (phone, name, attributes, is_opted_out, is_blocked, is_active, created_at, updated_at)
            SELECT s.phone, s.name, s.attributes, FALSE, FALSE, TRUE, @now, @now
            FROM {StagingTable} s
            ORDER BY s.ordinal
            ON CONFLICT (phone) DO UPDATE SET
                name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE contacts.name END,
                attributes = contacts.attributes || EXCLUDED.attributes,
                updated_at = EXCLUDED.updated_at
            RETURNING id, (xmax = 0) AS inserted, is_opted_out
        ), labelled_new AS (
            INSERT INTO contact_labels (contact_id, label_id)
            SELECT u.id, l.id FROM upserted u CROSS JOIN unnest(@labels) AS l(id)
            WHERE u.inserted
        ), labelled_existing AS (
            INSERT INTO contact_labels (contact_id, label_id)
            SELECT u.id, l.id FROM upserted u CROSS JOIN unnest(@labels) AS l(id)
            WHERE NOT u.inserted
            ON CONFLICT DO NOTHING
        )
        SELECT count(*) FILTER (WHERE inserted)::integer,
               count(*) FILTER (WHERE NOT inserted)::integer,
               count(*) FILTER (WHERE NOT inserted AND is_opted_out)::integer
        FROM upserted;
        TRUNCATE {StagingTable};
        """;

    public int Imported { get; private set; }
    public int Updated { get; private set; }
    public int OptedOutKept { get; private set; }

    public async Task CreateStagingAsync(CancellationToken ct)
    {
        await using var create = new NpgsqlCommand(CreateStagingSql, connection, transaction);
        await create.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Copies and applies one batch. Not reentrant: await one batch before writing the next.</summary>
    public async Task WriteAsync(IReadOnlyList<PendingContact> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
            return;
        await using (var copy = await connection.BeginBinaryImportAsync(CopySql, ct))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var row = batch[i];
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(i, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(row.Phone, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(row.Name, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(row.AttributesJson, NpgsqlDbType.Jsonb, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using var apply = new NpgsqlCommand(ApplySql, connection, transaction);
        apply.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        apply.Parameters.Add(new NpgsqlParameter("labels", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = labelIds });
        await using var result = await apply.ExecuteReaderAsync(ct);
        await result.ReadAsync(ct);
        Imported += result.GetInt32(0);
        Updated += result.GetInt32(1);
        OptedOutKept += result.GetInt32(2);
    }
}
