using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>Which columns of an uploaded file hold the phone numbers and names, and the country code for national numbers.</summary>
public sealed record CsvColumnChoice(string? PhoneColumn, string? NameColumn, string? DefaultCountryCode)
{
    /// <summary>A first guess from the column names; no phone column when none is named like one.</summary>
    public static CsvColumnChoice Guess(IReadOnlyList<string> header, string? defaultCountryCode)
    {
        var keys = header.Select(h => new string(h.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray())).ToList();
        string[] phoneWords = ["phone", "mobile", "whatsapp", "msisdn", "cell", "tel", "number"];
        var phone = phoneWords.Select(word => keys.FindIndex(k => k.Contains(word, StringComparison.Ordinal))).FirstOrDefault(i => i >= 0, -1);
        var name = keys.FindIndex(k => k is "name" or "fullname" or "contactname" or "customername" or "firstname");
        if (name < 0 || name == phone)
            name = Enumerable.Range(0, keys.Count).FirstOrDefault(i => i != phone && keys[i].Contains("name", StringComparison.Ordinal), -1);
        return new CsvColumnChoice(phone >= 0 ? header[phone] : null, name >= 0 ? header[name] : null, defaultCountryCode);
    }
}

/// <summary>The first rows of an upload with the number each would be sent to, or why it cannot.</summary>
public sealed record CsvPreviewRow(int RowNumber, IReadOnlyList<string> Fields, string? Phone, string? Problem);

/// <summary>A refused row as the report lists it.</summary>
public sealed record CsvRejectedRow(int RowNumber, string Reason);

public sealed record CsvAudienceOutcome(OperationResult Result, CsvAudience? Report);

/// <summary>
/// A campaign's CSV audience: validates an uploaded file and stores its valid rows as <see cref="CampaignAudienceRow"/>s
/// and the refused ones as <see cref="CampaignAudienceReject"/>s. The file is streamed; rows are written 1,000 at a time
/// with one multi-row INSERT each, inside one transaction that first replaces the campaign's previous rows, so a
/// validation is applied entirely or not at all. Within the file the first row of a number wins; later ones are
/// duplicates. Rows whose number belongs to an opted-out contact are kept but reported: they are left out when sending.
/// </summary>
public sealed class CsvAudienceImport(AppDbContext db, CsvUploadStore uploads, AuditLog audit, TimeProvider clock, ILogger<CsvAudienceImport> logger)
{
    public const int BatchSize = 1000;
    public const int ProblemsShown = 100;
    private const int MaxNameLength = 200;
    private const int MaxReasonLength = 500;

    private const string InsertRowsSql = """
        INSERT INTO campaign_audience_rows (campaign_id, row_number, phone, name, fields)
        SELECT @campaign_id, b.row_number, b.phone, b.name, b.fields
        FROM unnest(@row_numbers, @phones, @names, @fields) AS b(row_number, phone, name, fields)
        """;

    private const string InsertRejectsSql = """
        INSERT INTO campaign_audience_rejects (campaign_id, row_number, fields, reason)
        SELECT @campaign_id, b.row_number, b.fields, b.reason
        FROM unnest(@row_numbers, @fields, @reasons) AS b(row_number, fields, reason)
        """;

    /// <summary>Checks the choice against the file; errors are keyed PhoneColumn, NameColumn and DefaultCountryCode.</summary>
    public static OperationResult Validate(IReadOnlyList<string> header, CsvColumnChoice choice)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(choice.PhoneColumn))
            errors[nameof(CsvColumnChoice.PhoneColumn)] = ["Choose the column that holds the phone numbers."];
        else if (!header.Contains(choice.PhoneColumn))
            errors[nameof(CsvColumnChoice.PhoneColumn)] = [$"The file has no column \"{choice.PhoneColumn}\"."];
        if (!string.IsNullOrWhiteSpace(choice.NameColumn))
        {
            if (!header.Contains(choice.NameColumn))
                errors[nameof(CsvColumnChoice.NameColumn)] = [$"The file has no column \"{choice.NameColumn}\"."];
            else if (choice.NameColumn == choice.PhoneColumn)
                errors[nameof(CsvColumnChoice.NameColumn)] = ["The name column cannot also be the phone column."];
        }
        if (!string.IsNullOrWhiteSpace(choice.DefaultCountryCode) && PhoneNumbers.NormalizeCountryCode(choice.DefaultCountryCode) is null)
            errors[nameof(CsvColumnChoice.DefaultCountryCode)] = ["Use 1 to 3 digits, such as 44 or +91, or leave it empty."];
        return errors.Count == 0 ? OperationResult.Success : OperationResult.FailFields(errors);
    }

    /// <summary>The first <paramref name="count"/> data rows with the number each would be sent to.</summary>
    public async Task<IReadOnlyList<CsvPreviewRow>> PreviewAsync(CsvUpload upload, CsvColumnChoice choice, int count = 10, CancellationToken ct = default)
    {
        var phoneIndex = string.IsNullOrWhiteSpace(choice.PhoneColumn) ? -1 : IndexOf(upload.Header, choice.PhoneColumn);
        var rows = new List<CsvPreviewRow>(count);
        using var reader = await uploads.OpenAsync(upload, ct);
        await foreach (var row in reader.ReadRowsAsync(ct))
        {
            if (!row.IsValid)
                rows.Add(new CsvPreviewRow(row.RowNumber, row.Fields, null, row.Error));
            else if (phoneIndex >= 0)
            {
                var phone = PhoneNumbers.Normalize(CsvWriter.Restore(row[phoneIndex]), choice.DefaultCountryCode);
                rows.Add(new CsvPreviewRow(row.RowNumber, row.Fields, phone.E164, phone.Error));
            }
            else
                rows.Add(new CsvPreviewRow(row.RowNumber, row.Fields, null, null));
            if (rows.Count == count)
                break;
        }
        return rows;
    }

    /// <summary>
    /// Validates <paramref name="upload"/> with <paramref name="choice"/> and makes its rows the campaign's CSV audience,
    /// replacing any earlier file, and stores the report in the campaign's <see cref="AudienceSettings.Csv"/>. Refused
    /// (nothing written) when the file turns out unreadable, no row is valid, or the campaign can no longer be edited.
    /// </summary>
    public async Task<CsvAudienceOutcome> ApplyAsync(int campaignId, CsvUpload upload, CsvColumnChoice choice, string actor, CancellationToken ct = default)
    {
        var validation = Validate(upload.Header, choice);
        if (!validation.Succeeded)
            return new CsvAudienceOutcome(validation, null);
        try
        {
            using var reader = await uploads.OpenAsync(upload, ct);
            return await RunAsync(campaignId, upload, reader, choice, actor, ct);
        }
        catch (CsvFileException ex)
        {
            return new CsvAudienceOutcome(OperationResult.Fail(ex.Message + " Nothing was saved."), null);
        }
        catch (FileNotFoundException)
        {
            return new CsvAudienceOutcome(OperationResult.Fail("The uploaded file is no longer available: upload it again."), null);
        }
    }

    /// <summary>The first refused rows (invalid and duplicates), by row number.</summary>
    public async Task<IReadOnlyList<CsvRejectedRow>> RejectedRowsAsync(int campaignId, int limit = ProblemsShown, CancellationToken ct = default) =>
        await db.CampaignAudienceRejects.AsNoTracking()
            .Where(r => r.CampaignId == campaignId)
            .OrderBy(r => r.RowNumber)
            .Take(limit)
            .Select(r => new CsvRejectedRow(r.RowNumber, r.Reason))
            .ToListAsync(ct);

    /// <summary>The row numbers of valid rows whose number belongs to an opted-out contact (first <paramref name="limit"/>).</summary>
    public async Task<IReadOnlyList<int>> OptedOutRowsAsync(int campaignId, int limit = ProblemsShown, CancellationToken ct = default) =>
        await db.CampaignAudienceRows.AsNoTracking()
            .Where(r => r.CampaignId == campaignId && db.Contacts.Any(c => c.Phone == r.Phone && c.IsOptedOut))
            .OrderBy(r => r.RowNumber)
            .Take(limit)
            .Select(r => r.RowNumber)
            .ToListAsync(ct);

    /// <summary>Writes the refused rows as CSV: row number, the row's values under the file's columns, and the reason.</summary>
    public async Task<bool> WriteRejectsAsync(int campaignId, IReadOnlyList<string> columns, TextWriter writer, CancellationToken ct = default)
    {
        var csv = new CsvWriter(writer);
        await csv.WriteRowAsync(["Row", .. columns, "Reason"], ct);
        var any = false;
        await foreach (var reject in db.CampaignAudienceRejects.AsNoTracking()
                           .Where(r => r.CampaignId == campaignId).OrderBy(r => r.RowNumber).AsAsyncEnumerable().WithCancellation(ct))
        {
            any = true;
            await csv.WriteRowAsync(
                [reject.RowNumber.ToString(CultureInfo.InvariantCulture), .. columns.Select(c => reject.Fields.GetValueOrDefault(c, "")), reject.Reason], ct);
        }
        return any;
    }

    private async Task<CsvAudienceOutcome> RunAsync(
        int campaignId, CsvUpload upload, CsvReader reader, CsvColumnChoice choice, string actor, CancellationToken ct)
    {
        var header = reader.Header;
        var phoneIndex = IndexOf(header, choice.PhoneColumn!);
        var nameIndex = string.IsNullOrWhiteSpace(choice.NameColumn) ? -1 : IndexOf(header, choice.NameColumn);
        var countryCode = PhoneNumbers.NormalizeCountryCode(choice.DefaultCountryCode);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var npgsqlTransaction = (NpgsqlTransaction)transaction.GetDbTransaction();

        // Locking the campaign serialises two validations of the same campaign (two tabs) and holds off a run meanwhile.
        var (status, campaignName, audienceJson) = await LockCampaignAsync(connection, npgsqlTransaction, campaignId, ct);
        if (status is null)
            return Refused("That campaign does not exist (any more).");
        if (!status.Value.AllowsEditing())
            return Refused($"The campaign is {status.Value.Describe()}: only drafts and scheduled campaigns can be changed.");

        await ExecuteAsync(connection, npgsqlTransaction,
            "DELETE FROM campaign_audience_rows WHERE campaign_id = @campaign_id; DELETE FROM campaign_audience_rejects WHERE campaign_id = @campaign_id",
            campaignId, null, ct);

        var counts = new Counts();
        var firstRowOfPhone = new Dictionary<long, int>();
        var rows = new List<PendingRow>(BatchSize);
        var rejects = new List<PendingReject>(BatchSize);
        CsvRejectedRow? firstInvalid = null;

        async Task RejectAsync(CsvRow row, string reason, bool duplicate)
        {
            if (duplicate) counts.Duplicates++; else counts.Invalid++;
            if (!duplicate)
                firstInvalid ??= new CsvRejectedRow(row.RowNumber, reason);
            rejects.Add(new PendingReject(row.RowNumber, JsonSerializer.Serialize(OriginalValues(row, header, reader.Delimiter)), Truncate(reason)));
            if (rejects.Count == BatchSize)
                await FlushRejectsAsync(connection, npgsqlTransaction, campaignId, rejects, ct);
        }

        await foreach (var row in reader.ReadRowsAsync(ct))
        {
            counts.Rows++;
            if (!row.IsValid)
            {
                await RejectAsync(row, row.Error!, duplicate: false);
                continue;
            }
            var phone = PhoneNumbers.Normalize(CsvWriter.Restore(row[phoneIndex]), countryCode);
            if (!phone.IsValid)
            {
                await RejectAsync(row, phone.Error, duplicate: false);
                continue;
            }
            var name = nameIndex >= 0 ? CsvWriter.Restore(row[nameIndex].Trim()) : "";
            if (name.Length > MaxNameLength)
            {
                await RejectAsync(row, $"The name is longer than {MaxNameLength} characters.", duplicate: false);
                continue;
            }
            // Numbers as longs keep the duplicate check small: a million rows need a few dozen megabytes at most.
            var key = long.Parse(phone.E164.AsSpan(1), CultureInfo.InvariantCulture);
            if (firstRowOfPhone.TryGetValue(key, out var firstRow))
            {
                await RejectAsync(row, $"Same phone number ({phone.E164}) as row {firstRow}; only the first is kept.", duplicate: true);
                continue;
            }
            firstRowOfPhone[key] = row.RowNumber;
            counts.Valid++;
            var fields = new Dictionary<string, string>(header.Count);
            for (var i = 0; i < header.Count; i++)
                fields[header[i]] = CsvWriter.Restore(row[i].Trim());
            rows.Add(new PendingRow(row.RowNumber, phone.E164, name, JsonSerializer.Serialize(fields)));
            if (rows.Count == BatchSize)
                await FlushRowsAsync(connection, npgsqlTransaction, campaignId, rows, ct);
        }

        if (counts.Valid == 0)
        {
            // Rolled back: the campaign keeps whatever audience it had.
            return Refused(counts.Rows == 0
                ? "The file has a header row but no rows: add one row per recipient."
                : (counts.Rows == 1 ? "The only row has no valid phone number" : $"None of the {counts.Rows.ToString("N0", CultureInfo.InvariantCulture)} rows has a valid phone number") +
                  $" in the column \"{choice.PhoneColumn}\": is it the column that holds the phone numbers? Nothing was saved." +
                  (firstInvalid is null ? "" : $" Row {firstInvalid.RowNumber}: {firstInvalid.Reason}"));
        }
        await FlushRowsAsync(connection, npgsqlTransaction, campaignId, rows, ct);
        await FlushRejectsAsync(connection, npgsqlTransaction, campaignId, rejects, ct);

        var optedOut = await CountOptedOutAsync(connection, npgsqlTransaction, campaignId, ct);
        var report = new CsvAudience
        {
            FileName = upload.FileName,
            UploadId = upload.Id,
            PhoneColumn = choice.PhoneColumn!,
            NameColumn = nameIndex >= 0 ? choice.NameColumn : null,
            Columns = header,
            Rows = counts.Rows,
            Valid = counts.Valid,
            Duplicates = counts.Duplicates,
            Invalid = counts.Invalid,
            OptedOut = optedOut,
        };
        var settings = AudienceSettings.Parse(audienceJson) with { Csv = report };
        await using (var update = new NpgsqlCommand("""
            UPDATE campaigns SET audience_json = @audience::jsonb, default_country_code = @country_code, updated_at = @now
            WHERE id = @campaign_id
            """, connection, npgsqlTransaction))
        {
            update.Parameters.AddWithValue("audience", settings.ToJson());
            update.Parameters.AddWithValue("country_code", (object?)countryCode ?? DBNull.Value);
            update.Parameters.AddWithValue("now", clock.GetUtcNow());
            update.Parameters.AddWithValue("campaign_id", campaignId);
            await update.ExecuteNonQueryAsync(ct);
        }

        audit.Record(actor, "campaigns.audience.csv", campaignName,
            $"file={upload.FileName} rows={counts.Rows} valid={counts.Valid} duplicates={counts.Duplicates} invalid={counts.Invalid} opted_out={optedOut}");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("CSV audience of campaign {CampaignId}: {Rows} rows, {Valid} valid, {Duplicates} duplicates, {Invalid} invalid",
            campaignId, counts.Rows, counts.Valid, counts.Duplicates, counts.Invalid);
        return new CsvAudienceOutcome(OperationResult.Success, report);

        static CsvAudienceOutcome Refused(string message) => new(OperationResult.Fail(message), null);
    }

    private static async Task<(CampaignStatus? Status, string Name, string? AudienceJson)> LockCampaignAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT status, name, audience_json::text FROM campaigns WHERE id = @campaign_id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return (null, "", null);
        return (Enum.Parse<CampaignStatus>(reader.GetString(0)), reader.GetString(1), reader.GetString(2));
    }

    private static async Task<int> CountOptedOutAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM campaign_audience_rows r JOIN contacts c ON c.phone = r.phone
            WHERE r.campaign_id = @campaign_id AND c.is_opted_out
            """, connection, transaction);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        return (int)(long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Writes <paramref name="rows"/> with one multi-row INSERT and empties the list (also used by the API list import).</summary>
    internal static async Task FlushRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, List<PendingRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
            return;
        await ExecuteAsync(connection, transaction, InsertRowsSql, campaignId, parameters =>
        {
            parameters.Add(new NpgsqlParameter("row_numbers", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = rows.Select(r => r.RowNumber).ToArray() });
            parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = rows.Select(r => r.Phone).ToArray() });
            parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = rows.Select(r => r.Name).ToArray() });
            parameters.Add(new NpgsqlParameter("fields", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = rows.Select(r => r.FieldsJson).ToArray() });
        }, ct);
        rows.Clear();
    }

    private static async Task FlushRejectsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, List<PendingReject> rejects, CancellationToken ct)
    {
        if (rejects.Count == 0)
            return;
        await ExecuteAsync(connection, transaction, InsertRejectsSql, campaignId, parameters =>
        {
            parameters.Add(new NpgsqlParameter("row_numbers", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = rejects.Select(r => r.RowNumber).ToArray() });
            parameters.Add(new NpgsqlParameter("fields", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = rejects.Select(r => r.FieldsJson).ToArray() });
            parameters.Add(new NpgsqlParameter("reasons", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = rejects.Select(r => r.Reason).ToArray() });
        }, ct);
        rejects.Clear();
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, int campaignId,
        Action<NpgsqlParameterCollection>? addParameters, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        addParameters?.Invoke(command.Parameters);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The row's values by column name as the user wrote them; a row with too many values keeps the extra
    /// ones in its last column (joined with the delimiter), so nothing is lost from the rejects file.</summary>
    private static Dictionary<string, string> OriginalValues(CsvRow row, IReadOnlyList<string> header, char delimiter)
    {
        var values = new Dictionary<string, string>(header.Count);
        for (var i = 0; i < header.Count; i++)
            values[header[i]] = i == header.Count - 1 && row.Fields.Count > header.Count ? string.Join(delimiter, row.Fields.Skip(i)) : row[i];
        return values;
    }

    private static int IndexOf(IReadOnlyList<string> header, string column)
    {
        for (var i = 0; i < header.Count; i++)
            if (header[i] == column)
                return i;
        return -1;
    }

    private static string Truncate(string reason) => reason.Length <= MaxReasonLength ? reason : reason[..(MaxReasonLength - 1)] + "…";

    internal sealed record PendingRow(int RowNumber, string Phone, string Name, string FieldsJson);

    private sealed record PendingReject(int RowNumber, string FieldsJson, string Reason);

    private sealed class Counts
    {
        public int Rows;
        public int Valid;
        public int Duplicates;
        public int Invalid;
    }
}
