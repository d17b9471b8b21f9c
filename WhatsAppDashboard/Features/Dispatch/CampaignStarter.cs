using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// One person of a campaign's audience as resolved at run time, before normalisation.
/// </summary>
/// <param name="RawPhone">As the audience has it; normalised to E.164 with the campaign's default country code.</param>
/// <param name="ContactId">The contact it came from, when known.</param>
/// <param name="Message">The message's parameters for this person, frozen now (null: a template without variables).</param>
/// <param name="SkipReason">Set when the audience already knows this person must not be sent to (for example a
/// required value is missing); the row is kept as skipped with this reason.</param>
public sealed record PlannedRecipient(string RawPhone, string Name, long? ContactId, FrozenMessage? Message, string? SkipReason);

public enum StartOutcome
{
    /// <summary>The campaign is running; its recipients are written.</summary>
    Started,
    /// <summary>The campaign was not in a state that can start (already running, finished…); nothing changed.</summary>
    Refused,
    /// <summary>The campaign could not start and is now failed, with the reason in its last error.</summary>
    Failed,
    NotFound,
}

public sealed record CampaignStartResult(StartOutcome Outcome, string Message, int TotalCount = 0, int SkippedCount = 0)
{
    public bool Started => Outcome == StartOutcome.Started;
}

/// <summary>
/// Starts a run: ONE guarded update moves the campaign from draft or scheduled to running (so two concurrent starts
/// give exactly one run), then the audience is streamed into <c>campaign_recipients</c> with a binary COPY —
/// normalised to E.164, de-duplicated (first wins), invalid numbers kept as skipped with the reason — then one
/// set-based update skips opted-out and blocked contacts, and the counters are set from the rows. All of it is one
/// transaction: the dispatcher sees the campaign running only with all its recipients, and a failure midway leaves
/// nothing behind but a failed campaign with the reason.
/// </summary>
public sealed class CampaignStarter(
    AppDbContext db,
    DispatchDatabase database,
    CloudApiTargets targets,
    DispatchSignal signal,
    TimeProvider clock,
    ILogger<CampaignStarter> logger)
{
    public const string OptedOutReason = "opted out";
    public const string BlockedReason = "blocked";

    public Task<CampaignStartResult> StartAsync(int campaignId, IAsyncEnumerable<PlannedRecipient> audience, CancellationToken ct = default) =>
        StartAsync(campaignId, audience, OutcomeWriter.SystemActor, ct);

    /// <param name="actor">Who pressed Run (or "system" for a schedule), for the audit log.</param>
    public async Task<CampaignStartResult> StartAsync(
        int campaignId, IAsyncEnumerable<PlannedRecipient> audience, string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var started = await MoveToRunningAsync(connection, transaction, campaignId, now, ct);
        if (started is null)
        {
            await transaction.RollbackAsync(ct);
            return await RefusalAsync(connection, campaignId, ct);
        }

        if (await CannotStartReasonAsync(started, ct) is { } cannotStart)
        {
            await FailAsync(connection, transaction, campaignId, started.Name, cannotStart, actor, now, fromStatuses: ["Running"], ct);
            await transaction.CommitAsync(ct);
            return new CampaignStartResult(StartOutcome.Failed, cannotStart);
        }

        RecipientTally tally;
        try
        {
            tally = await CopyRecipientsAsync(connection, campaignId, started.DefaultCountryCode, audience, ct);
            await ExcludeOptedOutAndBlockedAsync(connection, transaction, campaignId, tally, ct);
            await SetCountersAsync(connection, transaction, campaignId, tally, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Nothing of the run stays: the rows and the move to running roll back together.
            await transaction.RollbackAsync(CancellationToken.None);
            logger.LogWarning(ex, "Writing the recipients of campaign {CampaignId} failed.", campaignId);
            var reason = "The recipients could not be written, so nothing was sent: " + ex.Message;
            await using var fresh = await database.OpenAsync(CancellationToken.None);
            await FailAsync(fresh, null, campaignId, started.Name, reason, actor, now, fromStatuses: ["Draft", "Scheduled"], CancellationToken.None);
            return new CampaignStartResult(StartOutcome.Failed, reason);
        }

        if (tally.Sendable == 0)
        {
            var reason = tally.Total == 0
                ? "The audience is empty: there is no one to send to."
                : $"There is no one to send to: all {tally.Total:N0} recipients were skipped ({tally.DescribeSkipped()}).";
            await FailAsync(connection, transaction, campaignId, started.Name, reason, actor, now, fromStatuses: ["Running"], ct);
            await transaction.CommitAsync(ct);
            return new CampaignStartResult(StartOutcome.Failed, reason, tally.Total, tally.Skipped);
        }

        await AuditAsync(connection, transaction, actor, "campaigns.run", CampaignLifecycle.AuditTarget(campaignId, started.Name),
            $"recipients={tally.Total}, to send={tally.Sendable}, skipped={tally.Skipped}", now, ct);
        await transaction.CommitAsync(ct);
        signal.Wake();
        var message = $"“{started.Name}” is running: {tally.Sendable:N0} recipient(s) to send" +
                      (tally.Skipped > 0 ? $", {tally.Skipped:N0} skipped ({tally.DescribeSkipped()})." : ".");
        return new CampaignStartResult(StartOutcome.Started, message, tally.Total, tally.Skipped);
    }

    private sealed record StartedCampaign(string Name, int? AccountId, int? TemplateId, string? DefaultCountryCode);

    /// <summary>The one guarded move: draft or scheduled → running. Null when the campaign is in no state to start.</summary>
    private static async Task<StartedCampaign?> MoveToRunningAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            UPDATE campaigns SET status = 'Running', started_at = @now, completed_at = NULL, last_error = NULL, updated_at = @now
            WHERE id = @id AND status IN ('Draft', 'Scheduled')
            RETURNING name, account_id, template_id, default_country_code
            """, transaction).With("id", campaignId).With("now", now);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return new StartedCampaign(
            reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetInt32(1),
            reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    private static async Task<CampaignStartResult> RefusalAsync(NpgsqlConnection connection, int campaignId, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT status FROM campaigns WHERE id = @id").With("id", campaignId);
        return await command.ExecuteScalarAsync(ct) is string status && Enum.TryParse<CampaignStatus>(status, out var current)
            ? new CampaignStartResult(StartOutcome.Refused, CampaignTransitions.RefusalFor(current, CampaignStatus.Running))
            : new CampaignStartResult(StartOutcome.NotFound, "That campaign does not exist (any more).");
    }

    /// <summary>Why the campaign cannot send at all, in words for its page; null when it can.</summary>
    private async Task<string?> CannotStartReasonAsync(StartedCampaign campaign, CancellationToken ct)
    {
        if (campaign.AccountId is not { } accountId)
            return "The campaign has no WhatsApp account: choose one in the wizard.";
        var account = await db.WhatsAppAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
            return "The campaign's WhatsApp account no longer exists: copy the campaign and choose another account.";
        if (!account.IsActive)
            return $"{account.Name} is deactivated: reactivate the account on its page, or copy the campaign and choose another account.";

        if (campaign.TemplateId is not { } templateId)
            return "The campaign has no template: choose an approved template in the wizard.";
        var template = await db.WhatsAppTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId, ct);
        if (template is null)
            return "The campaign's template no longer exists: copy the campaign and choose another template.";
        if (template.AccountId != accountId)
            return $"The template {template.Name} belongs to another WhatsApp account than {account.Name}.";
        if (!TemplateSendability.IsSendable(template.Status))
            return $"The template {template.Name} ({template.Language}) cannot be sent: {TemplateSendability.Explain(template.Status)}";

        var target = targets.For(account);
        return target.Succeeded ? null : target.Error;
    }

    /// <summary>What the audience turned into, for the counters and the messages.</summary>
    private sealed class RecipientTally
    {
        public int Total;
        public int Invalid;
        public int Duplicates;
        public int SkippedByAudience;
        public int OptedOut;
        public int Blocked;

        public int Skipped => Invalid + Duplicates + SkippedByAudience + OptedOut + Blocked;
        public int Sendable => Total - Skipped;

        public string DescribeSkipped()
        {
            var parts = new List<string>();
            if (OptedOut > 0) parts.Add($"{OptedOut:N0} opted out");
            if (Blocked > 0) parts.Add($"{Blocked:N0} blocked");
            if (Duplicates > 0) parts.Add($"{Duplicates:N0} duplicate");
            if (Invalid > 0) parts.Add($"{Invalid:N0} invalid number");
            if (SkippedByAudience > 0) parts.Add($"{SkippedByAudience:N0} without the values the message needs");
            return string.Join(", ", parts);
        }
    }

    /// <summary>
    /// Streams the audience into the recipients table with one binary COPY (never a statement per row). The first
    /// occurrence of a number is the one sent; later ones are kept as skipped, naming the row they repeat.
    /// </summary>
    private static async Task<RecipientTally> CopyRecipientsAsync(
        NpgsqlConnection connection, int campaignId, string? defaultCountryCode, IAsyncEnumerable<PlannedRecipient> audience, CancellationToken ct)
    {
        var tally = new RecipientTally();
        var firstRowOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var emptyMessage = FrozenMessage.Empty.Serialize();
        var pending = nameof(RecipientStatus.Pending);
        var skipped = nameof(RecipientStatus.Skipped);

        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY campaign_recipients (campaign_id, contact_id, phone, name, parameters_json, status, error_message, attempts) FROM STDIN (FORMAT BINARY)",
            ct);
        await foreach (var planned in audience.WithCancellation(ct))
        {
            var row = ++tally.Total;
            var phone = "";
            string? reason = null;
            var normalized = PhoneNumbers.Normalize(planned.RawPhone, defaultCountryCode);
            if (!normalized.IsValid)
            {
                reason = normalized.Error;
                tally.Invalid++;
            }
            else
            {
                phone = normalized.E164;
                if (firstRowOf.TryGetValue(phone, out var first))
                {
                    reason = $"duplicate of row {first}";
                    tally.Duplicates++;
                }
                else if (planned.SkipReason is { Length: > 0 } skip)
                {
                    // Does not claim the number: a later row with the same number and complete values is sent.
                    reason = skip;
                    tally.SkippedByAudience++;
                }
                else
                    firstRowOf[phone] = row;
            }

            await importer.StartRowAsync(ct);
            await importer.WriteAsync(campaignId, NpgsqlDbType.Integer, ct);
            if (planned.ContactId is { } contactId)
                await importer.WriteAsync(contactId, NpgsqlDbType.Bigint, ct);
            else
                await importer.WriteNullAsync(ct);
            await importer.WriteAsync(phone, NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(Sql.Fit(planned.Name ?? "", 200)!, NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(planned.Message?.Serialize() ?? emptyMessage, NpgsqlDbType.Jsonb, ct);
            await importer.WriteAsync(reason is null ? pending : skipped, NpgsqlDbType.Varchar, ct);
            if (reason is null)
                await importer.WriteNullAsync(ct);
            else
                await importer.WriteAsync(Sql.Fit(reason, 1000)!, NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(0, NpgsqlDbType.Integer, ct);
        }
        await importer.CompleteAsync(ct);
        return tally;
    }

    /// <summary>
    /// ONE set-based update against the contacts: recipients whose number belongs to an opted-out or blocked contact
    /// are skipped with that reason, and every recipient with a matching contact gets its contact id.
    /// </summary>
    private static async Task ExcludeOptedOutAndBlockedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, RecipientTally tally, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            UPDATE campaign_recipients r
            SET contact_id = COALESCE(r.contact_id, c.id),
                status = CASE WHEN r.status = 'Pending' AND (c.is_blocked OR c.is_opted_out) THEN 'Skipped' ELSE r.status END,
                error_message = CASE WHEN r.status <> 'Pending' THEN r.error_message
                                     WHEN c.is_blocked THEN @blocked
                                     WHEN c.is_opted_out THEN @optedOut
                                     ELSE r.error_message END
            FROM contacts c
            WHERE r.campaign_id = @id AND r.phone <> '' AND c.phone = r.phone
              AND (r.contact_id IS NULL OR (r.status = 'Pending' AND (c.is_blocked OR c.is_opted_out)))
            RETURNING r.status, r.error_message
            """, transaction)
            .With("id", campaignId).With("blocked", BlockedReason).With("optedOut", OptedOutReason);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.GetString(0) != nameof(RecipientStatus.Skipped) || reader.IsDBNull(1))
                continue;
            switch (reader.GetString(1))
            {
                case BlockedReason: tally.Blocked++; break;
                case OptedOutReason: tally.OptedOut++; break;
            }
        }
    }

    /// <summary>Counters from the rows themselves (see <see cref="CampaignCounters"/>).</summary>
    private static async Task SetCountersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int campaignId, RecipientTally tally, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            UPDATE campaigns c
            SET total_count = s.total, skipped_count = s.skipped, sent_count = 0, delivered_count = 0, read_count = 0,
                failed_count = 0, replied_count = 0, button_click_count = 0
            FROM (SELECT count(*)::int AS total, (count(*) FILTER (WHERE status = 'Skipped'))::int AS skipped
                  FROM campaign_recipients WHERE campaign_id = @id) s
            WHERE c.id = @id
            RETURNING s.total, s.skipped
            """, transaction).With("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.GetInt32(0) != tally.Total || reader.GetInt32(1) != tally.Skipped)
            throw new InvalidOperationException($"The recipients written ({reader.GetInt32(0)}, {reader.GetInt32(1)} skipped) differ from the audience read ({tally.Total}, {tally.Skipped} skipped).");
    }

    private static async Task FailAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, int campaignId, string name, string reason, string actor,
        DateTimeOffset now, string[] fromStatuses, CancellationToken ct)
    {
        await using (var fail = connection.Command(
            "UPDATE campaigns SET status = 'Failed', last_error = @reason, updated_at = @now WHERE id = @id AND status = ANY(@from)", transaction)
            .With("id", campaignId).With("reason", Sql.Fit(reason, 2000)).With("now", now).With("from", fromStatuses))
        {
            if (await fail.ExecuteNonQueryAsync(ct) == 0)
                return;
        }
        await AuditAsync(connection, transaction, actor, "campaigns.fail", CampaignLifecycle.AuditTarget(campaignId, name), reason, now, ct);
    }

    private static async Task AuditAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string actor, string action, string target, string details,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var audit = connection.Command(
            "INSERT INTO audit_entries (at, actor, action, target, details) VALUES (@now, @actor, @action, @target, @details)", transaction)
            .With("now", now).With("actor", Sql.Fit(actor, 256)).With("action", action)
            .With("target", Sql.Fit(target, 256)).With("details", Sql.Fit(details, 2000));
        await audit.ExecuteNonQueryAsync(ct);
    }
}
