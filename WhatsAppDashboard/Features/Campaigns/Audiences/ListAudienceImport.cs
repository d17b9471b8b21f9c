using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>One person sent for import: the row number the sender knows it by, the raw phone, a name and any fields.</summary>
public sealed record ImportedPerson(int Row, string Phone, string Name, IReadOnlyDictionary<string, string> Fields, string? Problem = null);

/// <summary>A refused person: its row, the phone as sent, and why.</summary>
public sealed record ImportedPersonError(int Row, string PhoneNumber, string Reason);

public sealed record ListImportReport(int Imported, int Duplicates, int Invalid, IReadOnlyList<ImportedPersonError> Errors);

public enum ListImportRefusal { None, NotFound, WrongState, Invalid, TooMany }

/// <summary>The report, or why nothing was imported.</summary>
public sealed record ListImportOutcome(ListImportReport? Report, ListImportRefusal Refusal = ListImportRefusal.None, string? Message = null)
{
    public static ListImportOutcome Refused(ListImportRefusal refusal, string message) => new(null, refusal, message);
}

/// <summary>
/// Appends people to a campaign's list (or CSV) audience, as <see cref="CampaignAudienceRow"/>s: numbers normalised to
/// E.164 with the campaign's default country code, each number kept once (against the rows already there and earlier
/// rows of the same import), invalid ones refused with the reason. One transaction with the campaign locked, so two
/// imports into the same campaign take turns, a start waits for the import, and a failure half-way (an unreadable CSV
/// row, too many people) leaves the audience as it was.
/// </summary>
public sealed class ListAudienceImport(AppDbContext db, AuditLog audit, TimeProvider clock)
{
    /// <summary>The report lists this many refused rows; the counts cover all of them.</summary>
    public const int ErrorsListed = 1000;
    private const int MaxNameLength = 200;

    public async Task<ListImportOutcome> AppendAsync(
        int campaignId, IAsyncEnumerable<ImportedPerson> people, int maxPeople, string actor, CancellationToken ct = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var npgsqlTransaction = (NpgsqlTransaction)transaction.GetDbTransaction();

        var campaign = await LockCampaignAsync(connection, npgsqlTransaction, campaignId, ct);
        if (campaign is null)
            return ListImportOutcome.Refused(ListImportRefusal.NotFound, "That campaign does not exist (any more).");
        if (!campaign.Status.AllowsEditing())
            return ListImportOutcome.Refused(ListImportRefusal.WrongState,
                $"The campaign is {campaign.Status.Describe()}: recipients can only be added to drafts and scheduled campaigns.");
        if (campaign.Kind is not (AudienceKind.List or AudienceKind.Csv))
            return ListImportOutcome.Refused(ListImportRefusal.WrongState,
                $"The campaign's audience is {campaign.Kind.ToString().ToLowerInvariant()}: recipients can only be imported into a list audience " +
                "(create or update the campaign with \"audience\": { \"type\": \"list\" }).");

        var (known, lastRow) = await ExistingAsync(connection, npgsqlTransaction, campaignId, ct);
        var firstRowOfPhone = new Dictionary<long, int>();
        var pending = new List<CsvAudienceImport.PendingRow>(CsvAudienceImport.BatchSize);
        var errors = new List<ImportedPersonError>();
        int seen = 0, imported = 0, duplicates = 0, invalid = 0;

        void Refuse(ImportedPerson person, string reason, bool duplicate)
        {
            if (duplicate) duplicates++; else invalid++;
            if (errors.Count < ErrorsListed)
                errors.Add(new ImportedPersonError(person.Row, person.Phone, reason));
        }

        await foreach (var person in people.WithCancellation(ct))
        {
            if (++seen > maxPeople)
                return ListImportOutcome.Refused(ListImportRefusal.TooMany,
                    $"At most {maxPeople.ToString("N0", CultureInfo.InvariantCulture)} recipients can be imported at once: split the list. Nothing was imported.");
            if (person.Problem is not null)
            {
                Refuse(person, person.Problem, duplicate: false);
                continue;
            }
            var phone = PhoneNumbers.Normalize(person.Phone, campaign.DefaultCountryCode);
            if (!phone.IsValid)
            {
                Refuse(person, phone.Error, duplicate: false);
                continue;
            }
            var name = person.Name.Trim();
            if (name.Length > MaxNameLength)
            {
                Refuse(person, $"The name is longer than {MaxNameLength} characters.", duplicate: false);
                continue;
            }
            var key = long.Parse(phone.E164.AsSpan(1), CultureInfo.InvariantCulture);
            if (known.Contains(key))
            {
                Refuse(person, $"{phone.E164} is already in the campaign's list.", duplicate: true);
                continue;
            }
            if (firstRowOfPhone.TryGetValue(key, out var firstRow))
            {
                Refuse(person, $"Same phone number ({phone.E164}) as row {firstRow}; only the first is kept.", duplicate: true);
                continue;
            }
            firstRowOfPhone[key] = person.Row;
            imported++;
            // Numbered after what is there, so the list keeps the order people were added in.
            pending.Add(new CsvAudienceImport.PendingRow(lastRow + imported, phone.E164, name, JsonSerializer.Serialize(person.Fields)));
            if (pending.Count == CsvAudienceImport.BatchSize)
                await CsvAudienceImport.FlushRowsAsync(connection, npgsqlTransaction, campaignId, pending, ct);
        }
        if (seen == 0)
            return ListImportOutcome.Refused(ListImportRefusal.Invalid, "There is no one to import: send at least one recipient.");

        await CsvAudienceImport.FlushRowsAsync(connection, npgsqlTransaction, campaignId, pending, ct);
        await db.Campaigns.Where(c => c.Id == campaignId).ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, clock.GetUtcNow()), ct);
        audit.Record(actor, "campaigns.audience.import", CampaignLifecycle.AuditTarget(campaignId, campaign.Name),
            $"received={seen} imported={imported} duplicates={duplicates} invalid={invalid}");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new ListImportOutcome(new ListImportReport(imported, duplicates, invalid, errors));
    }

    private sealed record LockedCampaign(CampaignStatus Status, AudienceKind Kind, string Name, string? DefaultCountryCode);

    private static async Task<LockedCampaign?> LockCampaignAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT status, audience_kind, name, default_country_code FROM campaigns WHERE id = @id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return new LockedCampaign(
            Enum.Parse<CampaignStatus>(reader.GetString(0)), Enum.Parse<AudienceKind>(reader.GetString(1)),
            reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    /// <summary>The numbers already in the list (as longs: small even for a million rows) and the highest row number.</summary>
    private static async Task<(HashSet<long> Phones, int LastRow)> ExistingAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, CancellationToken ct)
    {
        var phones = new HashSet<long>();
        var lastRow = 0;
        await using var command = new NpgsqlCommand(
            "SELECT phone, row_number FROM campaign_audience_rows WHERE campaign_id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (long.TryParse(reader.GetString(0).AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var phone))
                phones.Add(phone);
            lastRow = Math.Max(lastRow, reader.GetInt32(1));
        }
        return (phones, lastRow);
    }
}
