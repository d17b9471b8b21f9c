using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// Applies stored webhooks, a batch of them per transaction. Message statuses only move forward (Sending/Unknown &lt;
/// Sent &lt; Delivered &lt; Read; Failed only before delivery), so duplicates and out-of-order events change nothing, and
/// each recipient change moves the campaign's counters in the same statement, following <see cref="CampaignCounters"/>:
/// besides sent/failed, <c>delivered_count</c> = rows in Delivered or Read and <c>read_count</c> = rows in Read.
/// A batch runs its statements in arrival order in one round trip, so the result is the same as applying the webhooks
/// one by one; when one statement fails, the batch is applied again one webhook at a time and only that one keeps the error.
/// </summary>
public sealed class WebhookApplier(DispatchDatabase database, TimeProvider clock, IOptions<WebhookOptions> options, ILogger<WebhookApplier> logger)
{
    private readonly IReadOnlySet<string> _stopKeywords = options.Value.EffectiveStopKeywords();

    /// <summary>Template statuses Meta announces that we store as they are; other events (quality flags, category
    /// changes) leave the status alone.</summary>
    private static readonly HashSet<string> TemplateStatuses = new(StringComparer.Ordinal)
    {
        "APPROVED", "REJECTED", "PENDING", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "DELETED", "ARCHIVED", "LIMIT_EXCEEDED",
    };

    /// <summary>A claimed inbox row; <paramref name="Attempts"/> counts earlier tries (a kept-back status carries its waits).</summary>
    private sealed record StoredWebhook(long Id, int AccountId, string Payload, int Attempts);

    /// <summary>What one stored webhook asks for: its statements, or why it cannot be applied.</summary>
    private sealed record PlannedWebhook(StoredWebhook Stored, List<NpgsqlBatchCommand> Statements, List<string> MessageIds, List<long> RecipientIds, string? Error);

    /// <summary>Claims the oldest unapplied webhook (skipping ones another instance holds) and applies it.
    /// Returns false when there was none.</summary>
    public async Task<bool> ApplyNextAsync(CancellationToken ct) => await ApplyBatchAsync(1, ct) > 0;

    /// <summary>Claims up to <paramref name="size"/> of the oldest unapplied webhooks (skipping ones another instance
    /// holds) and applies them in arrival order; returns how many were claimed (0: none was waiting).</summary>
    public async Task<int> ApplyBatchAsync(int size, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var claimed = await ClaimAsync(connection, transaction, size, ct);
            if (claimed.Count == 0)
                return 0;
            var planned = claimed.Select(Plan).ToList();
            try
            {
                await LockCampaignsAsync(connection, transaction, planned, ct);
                var statements = planned.Where(p => p.Error is null).SelectMany(p => p.Statements).ToList();
                if (statements.Count > 0)
                {
                    await using var batch = new NpgsqlBatch(connection, transaction);
                    foreach (var statement in statements)
                        batch.BatchCommands.Add(statement);
                    await batch.ExecuteNonQueryAsync(ct);
                }
                await MarkAsync(connection, transaction, planned.Select(p => (p.Stored.Id, p.Error)), ct);
                await transaction.CommitAsync(ct);
                return claimed.Count;
            }
            catch (PostgresException)
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
        }

        // One statement failed: apply the same webhooks one at a time, each behind a savepoint, so only the culprit keeps the error.
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var claimed = await ClaimAsync(connection, transaction, size, ct);
            var outcomes = new List<(long Id, string? Error)>();
            foreach (var stored in claimed)
            {
                var plan = Plan(stored);
                var error = plan.Error;
                if (error is null)
                {
                    await transaction.SaveAsync("apply", ct);
                    try
                    {
                        await LockCampaignsAsync(connection, transaction, [plan], ct);
                        await using var batch = new NpgsqlBatch(connection, transaction);
                        foreach (var statement in plan.Statements)
                            batch.BatchCommands.Add(statement);
                        if (batch.BatchCommands.Count > 0)
                            await batch.ExecuteNonQueryAsync(ct);
                        await transaction.ReleaseAsync("apply", ct);
                    }
                    catch (PostgresException ex)
                    {
                        await transaction.RollbackAsync("apply", ct);
                        error = Fit(ex.Message);
                        logger.LogWarning("Webhook {Id} could not be applied: {Error}", stored.Id, error);
                    }
                }
                outcomes.Add((stored.Id, error));
            }
            await MarkAsync(connection, transaction, outcomes, ct);
            await transaction.CommitAsync(ct);
            return claimed.Count;
        }
    }

    private async Task<List<StoredWebhook>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int size, CancellationToken ct)
    {
        var claimed = new List<StoredWebhook>();
        await using var claim = connection.Command(
            """
            SELECT id, account_id, payload::text, attempts FROM webhook_inbox
            WHERE processed_at IS NULL AND attempts < @max AND received_at <= @now
            ORDER BY id LIMIT @size FOR UPDATE SKIP LOCKED
            """, transaction).With("max", options.Value.MaxAttempts).With("size", size).With("now", clock.GetUtcNow());
        await using var reader = await claim.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            claimed.Add(new StoredWebhook(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3)));
        return claimed;
    }

    private async Task MarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<(long Id, string? Error)> outcomes, CancellationToken ct)
    {
        var list = outcomes.ToList();
        await using var mark = connection.Command(
            """
            UPDATE webhook_inbox i SET attempts = i.attempts + 1, error = o.error,
                processed_at = CASE WHEN o.error IS NULL THEN @now ELSE NULL END
            FROM unnest(@ids, @errors) AS o(id, error)
            WHERE i.id = o.id
            """, transaction)
            .With("ids", list.Select(o => o.Id).ToArray())
            .With("errors", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, list.Select(o => o.Error).ToArray())
            .With("now", clock.GetUtcNow());
        await mark.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Locks the campaigns the batch may touch, in id order (the dispatcher's lock order: campaigns, then
    /// recipients), before any recipient row is locked.</summary>
    private static async Task LockCampaignsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PlannedWebhook> planned, CancellationToken ct)
    {
        var messageIds = planned.Where(p => p.Error is null).SelectMany(p => p.MessageIds).Distinct().ToArray();
        var recipientIds = planned.Where(p => p.Error is null).SelectMany(p => p.RecipientIds).Distinct().ToArray();
        if (messageIds.Length == 0 && recipientIds.Length == 0)
            return;
        await using var lockCampaigns = connection.Command(
            """
            SELECT id FROM campaigns WHERE id IN (
                SELECT campaign_id FROM campaign_recipients WHERE message_id = ANY(@wamids)
                UNION SELECT campaign_id FROM campaign_recipients WHERE id = ANY(@rids))
            ORDER BY id FOR NO KEY UPDATE
            """, transaction).With("wamids", messageIds).With("rids", recipientIds);
        await lockCampaigns.ExecuteNonQueryAsync(ct);
    }

    private PlannedWebhook Plan(StoredWebhook stored)
    {
        var statements = new List<NpgsqlBatchCommand>();
        var messageIds = new List<string>();
        var recipientIds = new List<long>();
        try
        {
            using var document = JsonDocument.Parse(stored.Payload);
            if (!document.RootElement.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException("The webhook has no entry list.");
            foreach (var entry in entries.EnumerateArray())
            {
                if (!entry.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
                    continue;
                foreach (var change in changes.EnumerateArray())
                {
                    if (!change.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
                        continue;
                    if (Text(change, "field") == "message_template_status_update")
                    {
                        PlanTemplateStatus(stored.AccountId, Text(entry, "id"), value, statements);
                        continue;
                    }
                    if (value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
                    {
                        var metadata = value.TryGetProperty("metadata", out var m) ? m : (JsonElement?)null;
                        foreach (var status in statuses.EnumerateArray())
                            PlanStatus(stored, metadata, status, statements, messageIds, recipientIds);
                    }
                    if (value.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var message in messages.EnumerateArray())
                            PlanInbound(stored.AccountId, message, statements, messageIds);
                    }
                    if (value.TryGetProperty("user_preferences", out var preferences) && preferences.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var preference in preferences.EnumerateArray())
                            PlanUserPreference(preference, statements);
                    }
                }
            }
            return new PlannedWebhook(stored, statements, messageIds, recipientIds, null);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or InvalidOperationException or FormatException)
        {
            var error = Fit(ex.Message);
            logger.LogWarning("Webhook {Id} could not be applied: {Error}", stored.Id, error);
            return new PlannedWebhook(stored, [], [], [], error);
        }
    }

    private static string Fit(string message) => message.Length > 2000 ? message[..2000] : message;

    private void PlanStatus(StoredWebhook stored, JsonElement? metadata, JsonElement status, List<NpgsqlBatchCommand> statements,
        List<string> messageIds, List<long> recipientIds)
    {
        var accountId = stored.AccountId;
        var messageId = Text(status, "id") ?? throw new InvalidDataException("A status has no message id.");
        var name = Text(status, "status") ?? throw new InvalidDataException($"The status of message {messageId} has no name.");
        var at = Timestamp(status);
        // The dispatcher passes the recipient's id as biz_opaque_callback_data: it finds a row whose wamid is not stored yet.
        long? recipientId = long.TryParse(Text(status, "biz_opaque_callback_data"), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed : null;

        (RecipientStatus Status, int Rank)? forward = name switch
        {
            "sent" => (RecipientStatus.Sent, 2),
            "delivered" => (RecipientStatus.Delivered, 3),
            "read" => (RecipientStatus.Read, 4),
            _ => null,
        };
        if (forward is null && name != "failed")
            return; // Other statuses (e.g. "deleted", "warning") say nothing about delivery.

        messageIds.Add(messageId);
        if (recipientId is { } rid)
            recipientIds.Add(rid);
        NpgsqlBatchCommand command;
        if (forward is { } f)
        {
            command = new NpgsqlBatchCommand(WithTarget(
                $"""
                UPDATE campaign_recipients r
                SET status = @status, message_id = COALESCE(r.message_id, @wamid), sent_at = COALESCE(r.sent_at, @at),
                    delivered_at = CASE WHEN @rank >= 3 THEN COALESCE(r.delivered_at, @at) ELSE r.delivered_at END,
                    read_at = CASE WHEN @rank >= 4 THEN COALESCE(r.read_at, @at) ELSE r.read_at END,
                    next_attempt_at = NULL
                FROM target t
                WHERE r.id = t.id AND {Rank("t.old_status")} < @rank
                RETURNING r.campaign_id, t.old_status, r.status AS new_status
                """));
            command.Parameters.AddWithValue("status", f.Status.ToString());
            command.Parameters.AddWithValue("rank", f.Rank);
        }
        else
        {
            var (code, title) = FirstError(status);
            command = new NpgsqlBatchCommand(WithTarget(
                """
                UPDATE campaign_recipients r
                SET status = 'Failed', message_id = COALESCE(r.message_id, @wamid), error_code = @code, error_message = @title,
                    failed_at = @at, next_attempt_at = NULL
                FROM target t
                WHERE r.id = t.id AND t.old_status IN ('Sending', 'Unknown', 'Sent')
                RETURNING r.campaign_id, t.old_status, r.status AS new_status
                """));
            command.Parameters.Add(new NpgsqlParameter("code", NpgsqlTypes.NpgsqlDbType.Integer) { Value = (object?)code ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("title", NpgsqlTypes.NpgsqlDbType.Text)
            {
                Value = (object?)(title is { Length: > 1000 } ? title[..1000] : title) ?? DBNull.Value,
            });
        }
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("wamid", messageId);
        command.Parameters.Add(new NpgsqlParameter("rid", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = (object?)recipientId ?? DBNull.Value });
        command.Parameters.AddWithValue("at", at);
        AddKeepForLater(command, stored, metadata, status, messageId);
        statements.Add(command);
    }

    /// <summary>
    /// Parameters of the statement's <c>kept</c> part: when no recipient matches the status while a send of this account
    /// is in flight, its result may simply not be written yet, so the status is stored again as a webhook of its own, due
    /// after a pause that grows with each try (its <c>received_at</c> is when it is due). On the last try it is dropped,
    /// as a status for a message this app never sent always is.
    /// </summary>
    private void AddKeepForLater(NpgsqlBatchCommand command, StoredWebhook stored, JsonElement? metadata, JsonElement status, string messageId)
    {
        var attempts = stored.Attempts + 1;
        var copy = new Dictionary<string, object?>
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new[]
            {
                new Dictionary<string, object?>
                {
                    ["changes"] = new[]
                    {
                        new Dictionary<string, object?>
                        {
                            ["field"] = "messages",
                            ["value"] = new Dictionary<string, object?>
                            {
                                ["messaging_product"] = "whatsapp", ["metadata"] = metadata, ["statuses"] = new[] { status },
                            },
                        },
                    },
                },
            },
        };
        command.Parameters.AddWithValue("may_wait", attempts < options.Value.MaxAttempts);
        command.Parameters.AddWithValue("due", clock.GetUtcNow() + TimeSpan.FromSeconds(options.Value.UnknownMessageRetrySeconds * attempts));
        command.Parameters.AddWithValue("kept_payload", JsonSerializer.Serialize(copy));
        command.Parameters.AddWithValue("kept_attempts", attempts);
        command.Parameters.AddWithValue("kept_error", Fit($"Waiting for message id(s) {messageId}: kept until the send result is stored."));
    }

    /// <summary>The recipient by its wamid, or, while the wamid is not stored yet, by its id (from the callback data).</summary>
    private const string Matches =
        "(r.message_id = @wamid OR (@rid IS NOT NULL AND r.id = @rid AND r.message_id IS NULL AND r.status IN ('Sending', 'Unknown')))";

    /// <summary>Wraps an UPDATE … RETURNING campaign_id, old_status, new_status of the locked <c>target</c> row with the
    /// counter changes it implies, so the row and the counters commit together; with no target, the status may be kept
    /// for later (see <see cref="AddKeepForLater"/>).</summary>
    private static string WithTarget(string update) =>
        $"""
        WITH target AS (
            SELECT r.id, r.status AS old_status FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
            WHERE c.account_id = @account AND {Matches}
            LIMIT 1 FOR UPDATE OF r
        ), changed AS (
        {update}
        ), kept AS (
            INSERT INTO webhook_inbox (received_at, account_id, payload, attempts, error)
            SELECT @due, @account, @kept_payload::jsonb, @kept_attempts, @kept_error
            WHERE @may_wait AND NOT EXISTS (SELECT 1 FROM target)
              AND EXISTS (
                  SELECT 1 FROM campaign_recipients sr JOIN campaigns sc ON sc.id = sr.campaign_id
                  WHERE sc.account_id = @account AND sc.status IN ('Running', 'Paused', 'Cancelled')
                    AND sr.status = 'Sending' AND sr.message_id IS NULL)
        )
        UPDATE campaigns c
        SET sent_count = c.sent_count + d.sent, delivered_count = c.delivered_count + d.delivered,
            read_count = c.read_count + d.read, failed_count = c.failed_count + d.failed
        FROM (
            SELECT campaign_id,
                   count(*) FILTER (WHERE new_status IN ('Sent', 'Delivered', 'Read')) - count(*) FILTER (WHERE old_status IN ('Sent', 'Delivered', 'Read')) AS sent,
                   count(*) FILTER (WHERE new_status IN ('Delivered', 'Read')) - count(*) FILTER (WHERE old_status IN ('Delivered', 'Read')) AS delivered,
                   count(*) FILTER (WHERE new_status = 'Read') - count(*) FILTER (WHERE old_status = 'Read') AS read,
                   count(*) FILTER (WHERE new_status = 'Failed') - count(*) FILTER (WHERE old_status = 'Failed') AS failed
            FROM changed GROUP BY campaign_id) d
        WHERE c.id = d.campaign_id
        """;

    /// <summary>Forward order of the statuses a webhook may move; any other status is never moved by a forward status.</summary>
    private static string Rank(string column) =>
        $"(CASE {column} WHEN 'Sending' THEN 1 WHEN 'Unknown' THEN 1 WHEN 'Sent' THEN 2 WHEN 'Delivered' THEN 3 WHEN 'Read' THEN 4 ELSE 99 END)";

    private void PlanInbound(int accountId, JsonElement message, List<NpgsqlBatchCommand> statements, List<string> messageIds)
    {
        var at = Timestamp(message);
        switch (Text(message, "type"))
        {
            case "button":
                var contextId = message.TryGetProperty("context", out var context) ? Text(context, "id") : null;
                if (contextId is null || !message.TryGetProperty("button", out var button))
                    return;
                messageIds.Add(contextId);
                // Only the first press counts: later presses of the same message change nothing.
                var click = new NpgsqlBatchCommand(
                    """
                    WITH target AS (
                        SELECT id, replied_at IS NULL AS first_reply FROM campaign_recipients
                        WHERE message_id = @wamid AND button_clicked IS NULL
                          AND campaign_id IN (SELECT id FROM campaigns WHERE account_id = @account)
                        FOR UPDATE
                    ), changed AS (
                        UPDATE campaign_recipients r
                        SET button_clicked = left(@text, 200), button_payload = left(@payload, 1000), replied_at = COALESCE(r.replied_at, @at)
                        FROM target t WHERE r.id = t.id
                        RETURNING r.campaign_id, t.first_reply
                    )
                    UPDATE campaigns c
                    SET button_click_count = c.button_click_count + d.clicks, replied_count = c.replied_count + d.replies
                    FROM (SELECT campaign_id, count(*) AS clicks, count(*) FILTER (WHERE first_reply) AS replies FROM changed GROUP BY campaign_id) d
                    WHERE c.id = d.campaign_id
                    """);
                click.Parameters.AddWithValue("account", accountId);
                click.Parameters.AddWithValue("wamid", contextId);
                click.Parameters.AddWithValue("text", Text(button, "text") ?? "");
                click.Parameters.Add(new NpgsqlParameter("payload", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)Text(button, "payload") ?? DBNull.Value });
                click.Parameters.AddWithValue("at", at);
                statements.Add(click);
                break;
            case "text":
                var body = message.TryGetProperty("text", out var text) ? Text(text, "body") : null;
                var from = Text(message, "from");
                if (body is null || from is null || !IsStopKeyword(body))
                    return;
                PlanOptOut("+" + from.TrimStart('+'), true, at, $"Replied \"{Sql.Fit(body.Trim(), 40)}\" on WhatsApp", statements);
                break;
        }
    }

    /// <summary>True when the whole reply, without surrounding spaces and punctuation, is one of the stop keywords.</summary>
    private bool IsStopKeyword(string body) =>
        _stopKeywords.Contains(body.Trim().Trim('.', '!', '?', ',', ';', '"', '\'', ' '));

    /// <summary>Meta's <c>user_preferences</c>: a person stopped (or resumed) marketing messages from this business.</summary>
    private void PlanUserPreference(JsonElement preference, List<NpgsqlBatchCommand> statements)
    {
        if (!string.Equals(Text(preference, "category"), "marketing_messages", StringComparison.OrdinalIgnoreCase))
            return;
        var waId = Text(preference, "wa_id");
        var choice = Text(preference, "value")?.Trim().ToLowerInvariant();
        if (waId is null || choice is not ("stop" or "resume"))
            return;
        var stop = choice == "stop";
        PlanOptOut("+" + waId.TrimStart('+'), stop, Timestamp(preference),
            stop ? "Meta user_preferences: stopped marketing messages" : "Meta user_preferences: resumed marketing messages", statements);
    }

    /// <summary>Opts the contact with this phone out (or back in) when it is not already, with an audit entry. A person not
    /// in the contact book is added, opted out, so no later campaign (a CSV audience, say) reaches them.</summary>
    private static void PlanOptOut(string phone, bool optOut, DateTimeOffset at, string why, List<NpgsqlBatchCommand> statements)
    {
        if (phone.Length is < 9 or > 16 || !phone.Skip(1).All(char.IsAsciiDigit))
            return; // Not a WhatsApp id we could have messaged.
        var command = new NpgsqlBatchCommand(optOut
            ? """
              WITH changed AS (
                  INSERT INTO contacts AS c (phone, name, attributes, is_opted_out, opted_out_at, is_blocked, is_active, created_at, updated_at)
                  VALUES (@phone, '', '{}'::jsonb, true, @at, false, true, @at, @at)
                  ON CONFLICT (phone) DO UPDATE SET is_opted_out = true, opted_out_at = EXCLUDED.opted_out_at, updated_at = EXCLUDED.updated_at
                  WHERE NOT c.is_opted_out
                  RETURNING c.phone)
              INSERT INTO audit_entries (at, actor, action, target, details)
              SELECT @at, @actor, 'contacts.optout', phone, @why FROM changed
              """
            : """
              WITH changed AS (
                  UPDATE contacts SET is_opted_out = false, opted_out_at = NULL, updated_at = @at
                  WHERE phone = @phone AND is_opted_out
                  RETURNING phone)
              INSERT INTO audit_entries (at, actor, action, target, details)
              SELECT @at, @actor, 'contacts.optin', phone, @why FROM changed
              """);
        command.Parameters.AddWithValue("phone", phone);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("actor", OutcomeWriter.SystemActor);
        command.Parameters.AddWithValue("why", Fit(why));
        statements.Add(command);
    }

    /// <summary>The template a status update names: by Meta's id when it gives one (the same id on every number of the
    /// WABA), else by name and language.</summary>
    private const string TemplateMatch =
        "(CASE WHEN @template_id IS NOT NULL THEN t.meta_template_id = @template_id ELSE t.name = @name AND t.language = @language END)";

    /// <summary>
    /// Meta's <c>message_template_status_update</c>: the template (by Meta's id, or name and language) of every number of
    /// the same WhatsApp Business Account takes the new status, audited. Only APPROVED ones can be sent, so when Meta
    /// stops a template, the running campaigns using it pause with the reason instead of failing their remaining
    /// recipients one by one (locked in id order, as every writer of campaign status does; audited as the system).
    /// </summary>
    private void PlanTemplateStatus(int accountId, string? wabaId, JsonElement value, List<NpgsqlBatchCommand> statements)
    {
        var newStatus = Text(value, "event")?.Trim().ToUpperInvariant();
        if (newStatus is null || !TemplateStatuses.Contains(newStatus))
            return;
        var templateId = value.TryGetProperty("message_template_id", out var idElement)
            ? idElement.ValueKind switch { JsonValueKind.Number => idElement.GetRawText(), JsonValueKind.String => idElement.GetString(), _ => null }
            : null;
        var name = Text(value, "message_template_name");
        var language = Text(value, "message_template_language");
        if (templateId is null && (name is null || language is null))
            throw new InvalidDataException("A template status update names no template.");
        var reason = Text(value, "reason");
        var command = new NpgsqlBatchCommand(
            $"""
            WITH account AS (SELECT waba_id FROM whatsapp_accounts WHERE id = @account),
            target AS (
                SELECT t.id, t.status AS old_status, t.name, t.language FROM whatsapp_templates t
                JOIN whatsapp_accounts a ON a.id = t.account_id
                WHERE a.waba_id = (SELECT waba_id FROM account) AND (@waba IS NULL OR a.waba_id = @waba)
                  AND {TemplateMatch}
                  AND t.status <> @status
                FOR UPDATE OF t
            ), changed AS (
                UPDATE whatsapp_templates t SET status = @status FROM target WHERE t.id = target.id
                RETURNING target.name, target.language, target.old_status
            ), audited AS (
                INSERT INTO audit_entries (at, actor, action, target, details)
                SELECT @now, @actor, 'templates.status', left(name || ' (' || language || ')', 256),
                       left(old_status || ' -> ' || @status || ' (Meta webhook' || COALESCE(', reason: ' || @reason, '') || ')', 2000)
                FROM changed
            ), running AS (
                SELECT c.id, t.name AS template FROM campaigns c
                JOIN whatsapp_templates t ON t.id = c.template_id
                JOIN whatsapp_accounts a ON a.id = t.account_id
                WHERE @status <> @approved AND c.status = 'Running'
                  AND a.waba_id = (SELECT waba_id FROM account) AND {TemplateMatch}
                ORDER BY c.id
                FOR NO KEY UPDATE OF c
            ), paused AS (
                UPDATE campaigns c
                SET status = 'Paused', updated_at = @now,
                    last_error = left('Sending paused: Meta set the template “' || r.template || '” to ' || @status
                                      || '. Resume once it is approved again.', 2000)
                FROM running r WHERE c.id = r.id AND c.status = 'Running'
                RETURNING c.id, c.name, c.last_error)
            INSERT INTO audit_entries (at, actor, action, target, details)
            SELECT @now, @actor, 'campaigns.pause', left('#' || id || ' ' || name, 256), last_error FROM paused
            """);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.Add(new NpgsqlParameter("waba", NpgsqlTypes.NpgsqlDbType.Varchar) { Value = (object?)wabaId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("template_id", NpgsqlTypes.NpgsqlDbType.Varchar) { Value = (object?)templateId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("name", NpgsqlTypes.NpgsqlDbType.Varchar) { Value = (object?)name ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("language", NpgsqlTypes.NpgsqlDbType.Varchar) { Value = (object?)language ?? DBNull.Value });
        command.Parameters.AddWithValue("status", newStatus);
        command.Parameters.AddWithValue("approved", WhatsAppTemplate.Approved);
        command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlTypes.NpgsqlDbType.Text) { Value = reason is null or "NONE" ? DBNull.Value : reason });
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        command.Parameters.AddWithValue("actor", OutcomeWriter.SystemActor);
        statements.Add(command);
    }

    private static (int? Code, string? Title) FirstError(JsonElement status)
    {
        if (!status.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
            return (null, "Meta reported the message as failed without a reason.");
        var error = errors[0];
        int? code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : null;
        return (code, Text(error, "title") ?? Text(error, "message"));
    }

    private DateTimeOffset Timestamp(JsonElement element) =>
        long.TryParse(Text(element, "timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : clock.GetUtcNow();

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
