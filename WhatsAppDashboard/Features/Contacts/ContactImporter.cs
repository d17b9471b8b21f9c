using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Contacts;

/// <summary>How the columns of an uploaded file become contacts (step 2 of the import).</summary>
public sealed class ContactImportMapping
{
    public int PhoneColumn { get; set; } = -1;
    /// <summary>-1 when the file has no name column.</summary>
    public int NameColumn { get; set; } = -1;
    public string? DefaultCountryCode { get; set; }
    /// <summary>Comma-separated labels added to every imported contact.</summary>
    public string? Labels { get; set; }
    /// <summary>Columns stored as attributes (the phone and name columns never are).</summary>
    public List<int> AttributeColumns { get; set; } = [];

    private static readonly string[] PhoneWords = ["phone", "mobile", "whatsapp", "msisdn", "cell", "tel", "number"];

    /// <summary>A first guess from the column names: the phone column (unless <paramref name="phoneColumn"/> names it),
    /// the name column, and every other column as an attribute except the status columns our own export adds.</summary>
    public static ContactImportMapping Guess(IReadOnlyList<string> header, string? defaultCountryCode, int? phoneColumn = null)
    {
        var keys = header.Select(Key).ToList();
        var phone = phoneColumn ?? FindPhoneColumn(header) switch { < 0 => 0, var found => found };
        string[] nameWords = ["name", "fullname", "contactname", "customername", "firstname"];
        var name = nameWords.Select(word => keys.FindIndex(k => k == word)).FirstOrDefault(i => i >= 0 && i != phone, -1);
        if (name < 0)
            name = Enumerable.Range(0, keys.Count).FirstOrDefault(i => i != phone && keys[i].Contains("name", StringComparison.Ordinal), -1);
        return new ContactImportMapping
        {
            PhoneColumn = phone,
            NameColumn = name,
            DefaultCountryCode = defaultCountryCode,
            AttributeColumns = Enumerable.Range(0, header.Count)
                .Where(i => i != phone && i != name && !ContactExporter.StatusColumns.Contains(header[i], StringComparer.OrdinalIgnoreCase))
                .ToList(),
        };
    }

    /// <summary>The first column whose name says it holds phone numbers; -1 when none does.</summary>
    public static int FindPhoneColumn(IReadOnlyList<string> header)
    {
        var keys = header.Select(Key).ToList();
        return PhoneWords.Select(word => keys.FindIndex(k => k.Contains(word, StringComparison.Ordinal))).FirstOrDefault(i => i >= 0, -1);
    }

    private static string Key(string column) => new(column.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());
}

/// <summary>A rejected row; <see cref="PhoneNumber"/> is the number as the source wrote it.</summary>
public sealed record ContactImportProblem(int RowNumber, string Reason, string? PhoneNumber = null);

/// <summary>
/// One contact to import, from a CSV row or an API request. <see cref="Phone"/> is as written (normalised by the
/// import); <see cref="Error"/> rejects the row as it stands (a malformed CSV row, a value of the wrong type).
/// </summary>
public sealed record ContactImportRow(
    int RowNumber, string? Phone, string Name, IReadOnlyDictionary<string, string> Attributes, string? Error = null);

/// <summary>What applies to every row of one import. Validate the country code and labels before importing.</summary>
public sealed record ContactImportSettings(string? DefaultCountryCode, string? Labels, string SourceName, int MaxProblems);

/// <summary>What an import did (step 3). The counts add up: <see cref="Rows"/> = imported + updated + duplicates + invalid.</summary>
public sealed record ContactImportReport(
    string FileName,
    int Rows,
    int Imported,
    int Updated,
    int Duplicates,
    int Invalid,
    int OptedOutKept,
    IReadOnlyList<string> Labels,
    DateTimeOffset FinishedAt,
    IReadOnlyList<ContactImportProblem> FirstProblems)
{
    public const int ProblemsShown = 100;

    public int Rejected => Duplicates + Invalid;
}

/// <summary>The first rows of an upload, read with a mapping, for the user to check before importing.</summary>
public sealed record ContactImportPreviewRow(int RowNumber, IReadOnlyList<string> Fields, string? Phone, string? Problem);

public sealed record ContactImportOutcome(OperationResult Result, ContactImportReport? Report);

/// <summary>
/// Imports an uploaded CSV into contacts. The file is streamed row by row; valid rows are written
/// <see cref="BatchSize"/> at a time by <see cref="ContactImportWriter"/> (a binary COPY, then one set-based upsert
/// that also adds the labels), all inside one transaction (an import is applied entirely or not at all), while the
/// next batch is being read. Memory stays bounded by two batches plus one number per distinct phone (to find
/// duplicates within the file), so a million-row file is fine.
/// Existing contacts keep their opt-out and block state; a non-empty name replaces theirs, attributes are
/// merged (the file wins per key) and labels are added. Within the file the first row of a phone wins; later
/// rows are reported as duplicates. Rejected rows go to a CSV the user can download, fix and import again.
/// </summary>
public sealed class ContactImporter(
    AppDbContext db,
    AuditLog audit,
    TimeProvider clock,
    CsvUploadStore uploads,
    ILogger<ContactImporter> logger)
{
    /// <summary>Rows per COPY and upsert: large enough that round trips do not matter, small enough to stay cheap in memory.</summary>
    public const int BatchSize = 10_000;
    private const string Claim = "contacts-import";
    private const string ReportSuffix = "contacts-import.json";
    private const string RejectsSuffix = "contacts-rejects.csv";
    private const int MaxNameLength = 200;

    /// <summary>Checks the mapping against the file; errors are keyed by the mapping's property names.</summary>
    public static OperationResult Validate(CsvUpload upload, ContactImportMapping mapping)
    {
        var errors = new Dictionary<string, string[]>();
        if (mapping.PhoneColumn < 0 || mapping.PhoneColumn >= upload.Header.Count)
            errors[nameof(ContactImportMapping.PhoneColumn)] = ["Choose the column that holds the phone numbers."];
        if (mapping.NameColumn >= upload.Header.Count || mapping.NameColumn < -1)
            errors[nameof(ContactImportMapping.NameColumn)] = ["Choose a column of the file, or none."];
        else if (mapping.NameColumn >= 0 && mapping.NameColumn == mapping.PhoneColumn)
            errors[nameof(ContactImportMapping.NameColumn)] = ["The name column cannot also be the phone column."];
        if (!string.IsNullOrWhiteSpace(mapping.DefaultCountryCode) && PhoneNumbers.NormalizeCountryCode(mapping.DefaultCountryCode) is null)
            errors[nameof(ContactImportMapping.DefaultCountryCode)] = ["Use 1 to 3 digits, such as 44 or +91, or leave it empty."];
        if (LabelNames.ParseList(mapping.Labels).Error is { } labelError)
            errors[nameof(ContactImportMapping.Labels)] = [labelError];
        if (mapping.AttributeColumns.Any(i => i < 0 || i >= upload.Header.Count))
            errors[nameof(ContactImportMapping.AttributeColumns)] = ["Choose attribute columns from the file."];
        return errors.Count == 0 ? OperationResult.Success : OperationResult.FailFields(errors);
    }

    /// <summary>The first <paramref name="count"/> data rows with the phone each would get.</summary>
    public async Task<IReadOnlyList<ContactImportPreviewRow>> PreviewAsync(
        CsvUpload upload, ContactImportMapping mapping, int count = 10, CancellationToken ct = default)
    {
        var rows = new List<ContactImportPreviewRow>();
        using var reader = await uploads.OpenAsync(upload, ct);
        await foreach (var row in reader.ReadRowsAsync(ct))
        {
            if (!row.IsValid)
                rows.Add(new ContactImportPreviewRow(row.RowNumber, row.Fields, null, row.Error));
            else if (mapping.PhoneColumn >= 0 && mapping.PhoneColumn < upload.Header.Count)
            {
                var phone = PhoneNumbers.Normalize(CsvWriter.Restore(row[mapping.PhoneColumn]), mapping.DefaultCountryCode);
                rows.Add(new ContactImportPreviewRow(row.RowNumber, row.Fields, phone.E164, phone.Error));
            }
            else
                rows.Add(new ContactImportPreviewRow(row.RowNumber, row.Fields, null, null));
            if (rows.Count == count)
                break;
        }
        return rows;
    }

    /// <summary>The report of the import already done from this upload, if any.</summary>
    public ContactImportReport? FindReport(CsvUpload upload)
    {
        var path = uploads.PathFor(upload.Id, ReportSuffix);
        return File.Exists(path) ? JsonSerializer.Deserialize<ContactImportReport>(File.ReadAllText(path)) : null;
    }

    /// <summary>The rejected rows of this upload's import, as a CSV file; null when there were none.</summary>
    public string? RejectsPath(CsvUpload upload)
    {
        var path = uploads.PathFor(upload.Id, RejectsSuffix);
        return File.Exists(path) && FindReport(upload) is { Rejected: > 0 } ? path : null;
    }

    /// <summary>Imports the upload once; a second attempt (double click, second tab) is refused.</summary>
    public async Task<ContactImportOutcome> ImportAsync(CsvUpload upload, ContactImportMapping mapping, string actor, CancellationToken ct = default)
    {
        var validation = Validate(upload, mapping);
        if (!validation.Succeeded)
            return new ContactImportOutcome(validation, null);
        if (!uploads.TryClaim(upload, Claim))
            return new ContactImportOutcome(OperationResult.Fail("This file has already been imported. Upload it again to import it again."), null);

        var rejectsPath = uploads.PathFor(upload.Id, RejectsSuffix);
        try
        {
            ContactImportReport report;
            using (var reader = await uploads.OpenAsync(upload, ct))
            await using (var rejects = new StreamWriter(rejectsPath, false, CsvWriter.FileEncoding))
                report = await RunAsync(reader, mapping, rejects, upload.FileName, actor, ContactImportReport.ProblemsShown, ct);
            await File.WriteAllTextAsync(uploads.PathFor(upload.Id, ReportSuffix), JsonSerializer.Serialize(report), ct);
            return new ContactImportOutcome(OperationResult.Success, report);
        }
        catch (CsvFileException ex)
        {
            File.Delete(rejectsPath);
            uploads.ReleaseClaim(upload, Claim);
            return new ContactImportOutcome(OperationResult.Fail(ex.Message + " Nothing was imported."), null);
        }
        catch
        {
            File.Delete(rejectsPath);
            uploads.ReleaseClaim(upload, Claim);
            throw;
        }
    }

    /// <summary>The import itself, from an open reader; rejected rows are written to <paramref name="rejects"/>.</summary>
    internal async Task<ContactImportReport> RunAsync(
        CsvReader reader, ContactImportMapping mapping, TextWriter rejects, string fileName, string actor, int maxProblems, CancellationToken ct)
    {
        var header = reader.Header;
        var attributeColumns = mapping.AttributeColumns
            .Where(i => i != mapping.PhoneColumn && i != mapping.NameColumn && i >= 0 && i < header.Count)
            .Distinct().Order().ToList();
        var rejectWriter = new CsvWriter(rejects);
        await rejectWriter.WriteRowAsync(["Row", .. header, "Reason"], ct);

        ContactImportRow Read(CsvRow row)
        {
            if (!row.IsValid)
                return new ContactImportRow(row.RowNumber, CsvWriter.Restore(row[mapping.PhoneColumn]), "", new Dictionary<string, string>(), row.Error);
            var attributes = new Dictionary<string, string>();
            foreach (var column in attributeColumns)
            {
                // An empty cell leaves the contact's existing value alone.
                var value = CsvWriter.Restore(row[column].Trim());
                if (value.Length > 0)
                    attributes[header[column]] = value;
            }
            var name = mapping.NameColumn >= 0 ? CsvWriter.Restore(row[mapping.NameColumn].Trim()) : "";
            return new ContactImportRow(row.RowNumber, CsvWriter.Restore(row[mapping.PhoneColumn]), name, attributes);
        }

        Task RejectAsync(CsvRow row, string reason) => rejectWriter.WriteRowAsync(
            [row.RowNumber.ToString(CultureInfo.InvariantCulture), .. OriginalValues(row, header.Count, reader.Delimiter), reason], ct);

        var settings = new ContactImportSettings(mapping.DefaultCountryCode, mapping.Labels, fileName, maxProblems);
        return await ImportRowsAsync(reader.ReadRowsAsync(ct), Read, RejectAsync, settings, actor, ct);
    }

    /// <summary>
    /// Imports rows that are already split into fields (the API's JSON body), with the same rules as a file:
    /// normalised phones, the first row of a phone wins, existing contacts merged, all or nothing.
    /// </summary>
    public Task<ContactImportReport> ImportRowsAsync(
        IEnumerable<ContactImportRow> rows, ContactImportSettings settings, string actor, CancellationToken ct = default) =>
        ImportRowsAsync(rows.ToAsyncEnumerable(), row => row, (_, _) => Task.CompletedTask, settings, actor, ct);

    /// <summary>
    /// The import itself: one transaction, batched upserts, duplicates within the source reported. Reading and
    /// checking the next batch goes on while the database applies the previous one (at most one batch in flight,
    /// so memory stays at two batches plus the phones seen).
    /// </summary>
    private async Task<ContactImportReport> ImportRowsAsync<TSource>(
        IAsyncEnumerable<TSource> source, Func<TSource, ContactImportRow> read, Func<TSource, string, Task> reject,
        ContactImportSettings settings, string actor, CancellationToken ct)
    {
        var labelNames = LabelNames.ParseList(settings.Labels).Names;
        var counts = new Counts();
        var problems = new List<ContactImportProblem>();
        // Phone (as a number, to keep memory small) → the row that first had it.
        var firstRowOfPhone = new Dictionary<long, int>();
        var batch = new List<PendingContact>(BatchSize);
        var spare = new List<PendingContact>(BatchSize);
        var attributesJson = new AttributesJsonWriter();

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var labelIds = (await LabelAdministration.EnsureAsync(db, labelNames, ct)).Select(l => l.Id).ToArray();
        var writer = new ContactImportWriter(
            (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction(), labelIds, clock.GetUtcNow());
        await writer.CreateStagingAsync(ct);

        async Task RejectAsync(TSource item, ContactImportRow row, string reason, bool duplicate)
        {
            if (duplicate) counts.Duplicates++; else counts.Invalid++;
            if (problems.Count < settings.MaxProblems)
                problems.Add(new ContactImportProblem(row.RowNumber, reason, row.Phone));
            await reject(item, reason);
        }

        // Where the time goes (Debug log): reading and checking rows here, or waiting for the database to take a batch.
        var elapsed = Stopwatch.StartNew();
        var waitingForDatabase = new Stopwatch();
        var writing = Task.CompletedTask;
        try
        {
            await foreach (var item in source.WithCancellation(ct))
            {
                counts.Rows++;
                var row = read(item);
                if (row.Error is not null)
                {
                    await RejectAsync(item, row, row.Error, duplicate: false);
                    continue;
                }
                var phone = PhoneNumbers.Normalize(row.Phone, settings.DefaultCountryCode);
                if (!phone.IsValid)
                {
                    await RejectAsync(item, row, phone.Error, duplicate: false);
                    continue;
                }
                if (row.Name.Length > MaxNameLength)
                {
                    await RejectAsync(item, row, $"The name is longer than {MaxNameLength} characters.", duplicate: false);
                    continue;
                }
                var key = long.Parse(phone.E164.AsSpan(1), CultureInfo.InvariantCulture);
                if (!firstRowOfPhone.TryAdd(key, row.RowNumber))
                {
                    await RejectAsync(item, row, $"Same phone number ({phone.E164}) as row {firstRowOfPhone[key]}; only the first is imported.", duplicate: true);
                    continue;
                }

                batch.Add(new PendingContact(phone.E164, row.Name, attributesJson.Write(row.Attributes)));
                if (batch.Count == BatchSize)
                {
                    waitingForDatabase.Start();
                    await writing;
                    waitingForDatabase.Stop();
                    (batch, spare) = (spare, batch);
                    batch.Clear();
                    writing = writer.WriteAsync(spare, ct);
                }
            }
            waitingForDatabase.Start();
            await writing;
            await writer.WriteAsync(batch, ct);
            waitingForDatabase.Stop();
        }
        catch
        {
            // The connection must be idle before the transaction can roll back; the first failure is the one reported.
            try
            {
                await writing;
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "A contacts batch failed while the import was already failing");
            }
            throw;
        }

        audit.Record(actor, "contacts.import", settings.SourceName,
            $"rows={counts.Rows} imported={writer.Imported} updated={writer.Updated} duplicates={counts.Duplicates} invalid={counts.Invalid}" +
            (labelNames.Count > 0 ? " labels=" + string.Join(",", labelNames) : ""));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogDebug("Contacts import of {Rows} rows took {Seconds:F2} s, {WaitingSeconds:F2} s of it waiting for the database",
            counts.Rows, elapsed.Elapsed.TotalSeconds, waitingForDatabase.Elapsed.TotalSeconds);
        logger.LogInformation("Contacts import of {Rows} rows: {Imported} new, {Updated} updated, {Duplicates} duplicates, {Invalid} invalid",
            counts.Rows, writer.Imported, writer.Updated, counts.Duplicates, counts.Invalid);

        return new ContactImportReport(settings.SourceName, counts.Rows, writer.Imported, writer.Updated, counts.Duplicates, counts.Invalid,
            writer.OptedOutKept, labelNames, clock.GetUtcNow(), problems);
    }

    /// <summary>Writes attributes as a JSON object (what <see cref="JsonSerializer"/> would write) into one reused
    /// buffer: a row costs only its string.</summary>
    private sealed class AttributesJsonWriter
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(256);
        private readonly Utf8JsonWriter _json;

        public AttributesJsonWriter() => _json = new Utf8JsonWriter(_buffer);

        public string Write(IReadOnlyDictionary<string, string> attributes)
        {
            if (attributes.Count == 0)
                return "{}";
            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
            _json.WriteStartObject();
            foreach (var (key, value) in attributes)
                _json.WriteString(key, value);
            _json.WriteEndObject();
            _json.Flush();
            return Encoding.UTF8.GetString(_buffer.WrittenSpan);
        }
    }

    /// <summary>The row's values under the file's columns; a row with too many values keeps the extra ones in its
    /// last column (joined with the delimiter), so nothing the user wrote is lost.</summary>
    private static IEnumerable<string> OriginalValues(CsvRow row, int columns, char delimiter)
    {
        for (var i = 0; i < columns; i++)
        {
            if (i == columns - 1 && row.Fields.Count > columns)
                yield return string.Join(delimiter, row.Fields.Skip(i));
            else
                yield return row[i];
        }
    }

    private sealed class Counts
    {
        public int Rows;
        public int Duplicates;
        public int Invalid;
    }
}
