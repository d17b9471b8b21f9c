using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// Applies one stored webhook at a time. Message statuses only move forward (Sending/Unknown &lt; Sent &lt; Delivered &lt;
/// Read; Failed only before delivery), so duplicates and out-of-order events change nothing, and each recipient
/// change moves the campaign's counters in the same statement, following <see cref="CampaignCounters"/>: besides
/// sent/failed, <c>delivered_count</c> = rows in Delivered or Read and <c>read_count</c> = rows in Read.
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

    /// <summary>Claims the oldest unapplied webhook (skipping ones another instance holds) and applies it.
    /// Returns false when there was none.</summary>
    public async Task<bool> ApplyNextAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        long id;
        int accountId;
        string payload;
        int attempts;
        var now = clock.GetUtcNow();
        // A status kept back for a message id not stored yet is a copy whose received_at is the time it is due again.
        await using (var claim = connection.Command(
            """
            SELECT id, account_id, payload::text, attempts FROM webhook_inbox
            WHERE processed_at IS NULL AND attempts < @max AND received_at <= @now
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction).With("max", options.Value.MaxAttempts).With("now", now))
        await using (var reader = await claim.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return false;
            (id, accountId, payload, attempts) = (reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3));
        }

        await transaction.SaveAsync("apply", ct);
        string? error = null;
        try
        {
            var waiting = new List<JsonElement>();
            var mayWait = attempts + 1 < options.Value.MaxAttempts;
            using var document = await ApplyPayloadAsync(connection, transaction, accountId, payload, mayWait ? waiting : null, ct);
            if (waiting.Count > 0)
                await KeepForLaterAsync(connection, transaction, accountId, document.RootElement, waiting, attempts + 1, now, ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or PostgresException or InvalidOperationException or FormatException)
        {
            await transaction.RollbackAsync("apply", ct);
            error = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
            logger.LogWarning("Webhook {Id} could not be applied: {Error}", id, error);
        }
        await connection.Command(
            """
            UPDATE webhook_inbox SET attempts = attempts + 1, error = @error,
                processed_at = CASE WHEN @error IS NULL THEN @now ELSE NULL END
            WHERE id = @id
            """, transaction)
            .With("id", id).With("error", NpgsqlTypes.NpgsqlDbType.Text, error).With("now", clock.GetUtcNow())
            .ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Applies every change of the payload; statuses whose message id is not known yet go to
    /// <paramref name="waiting"/> when given (else they are dropped). Returns the parsed payload.</summary>
    private async Task<JsonDocument> ApplyPayloadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, string payload,
        List<JsonElement>? waiting, CancellationToken ct)
    {
        var document = JsonDocument.Parse(payload);
        try
        {
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
                        await ApplyTemplateStatusAsync(connection, transaction, accountId, Text(entry, "id"), value, ct);
                        continue;
                    }
                    if (value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var status in statuses.EnumerateArray())
                        {
                            if (!await ApplyStatusAsync(connection, transaction, accountId, status, waiting is not null, ct))
                                waiting!.Add(status);
                        }
                    }
                    if (value.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var message in messages.EnumerateArray())
                            await ApplyInboundAsync(connection, transaction, accountId, message, ct);
                    }
                    if (value.TryGetProperty("user_preferences", out var preferences) && preferences.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var preference in preferences.EnumerateArray())
                            await ApplyUserPreferenceAsync(connection, transaction, preference, ct);
                    }
                }
            }
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>Stores the statuses that wait for their message id as a webhook of their own, due again after a pause.</summary>
    private async Task KeepForLaterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, JsonElement original,
        List<JsonElement> waiting, int attempts, DateTimeOffset now, CancellationToken ct)
    {
        var metadata = original.TryGetProperty("entry", out var entries) && entries.GetArrayLength() > 0
            && entries[0].TryGetProperty("changes", out var changes) && changes.GetArrayLength() > 0
            && changes[0].TryGetProperty("value", out var value) && value.TryGetProperty("metadata", out var m) ? m : (JsonElement?)null;
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
                                ["messaging_product"] = "whatsapp", ["metadata"] = metadata, ["statuses"] = waiting,
                            },
                        },
                    },
                },
            },
        };
        var ids = string.Join(", ", waiting.Select(s => Text(s, "id")).Distinct().Take(5));
        var due = now + TimeSpan.FromSeconds(options.Value.UnknownMessageRetrySeconds * attempts);
        await using var insert = connection.Command(
            """
            INSERT INTO webhook_inbox (received_at, account_id, payload, attempts, error)
            VALUES (@due, @account, @payload::jsonb, @attempts, @error)
            """, transaction)
            .With("due", due).With("account", accountId).With("payload", JsonSerializer.Serialize(copy)).With("attempts", attempts)
            .With("error", Sql.Fit($"Waiting for message id(s) {ids}: kept until the send result is stored.", 2000));
        await insert.ExecuteNonQueryAsync(ct);
        logger.LogInformation("{Count} status(es) for message ids not stored yet are kept and tried again at {Due}.", waiting.Count, due);
    }

    /// <summary>Applies one status. Returns false (and changes nothing) when <paramref name="mayWait"/> and its message id is
    /// not stored yet while a send of this account is in flight: its result may simply not be written yet.</summary>
    private async Task<bool> ApplyStatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, JsonElement status,
        bool mayWait, CancellationToken ct)
    {
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
            return true; // Other statuses (e.g. "deleted", "warning") say nothing about delivery.

        var campaignId = await FindCampaignAsync(connection, transaction, accountId, messageId, recipientId, ct);
        if (campaignId is null)
        {
            if (mayWait && await SendInFlightAsync(connection, transaction, accountId, ct))
                return false;
            return true; // A message this dashboard did not send (or a recipient already deleted): nothing to update.
        }

        string update;
        NpgsqlCommand command;
        if (forward is { } f)
        {
            update =
                $"""
                UPDATE campaign_recipients r
                SET status = @status, message_id = COALESCE(r.message_id, @wamid), sent_at = COALESCE(r.sent_at, @at),
                    delivered_at = CASE WHEN @rank >= 3 THEN COALESCE(r.delivered_at, @at) ELSE r.delivered_at END,
                    read_at = CASE WHEN @rank >= 4 THEN COALESCE(r.read_at, @at) ELSE r.read_at END,
                    next_attempt_at = NULL
                FROM target t
                WHERE r.id = t.id AND {Rank("t.old_status")} < @rank
                RETURNING r.campaign_id, t.old_status, r.status AS new_status
                """;
            command = connection.Command(WithTarget(update), transaction).With("status", f.Status.ToString()).With("rank", f.Rank);
        }
        else
        {
            var (code, title) = FirstError(status);
            update =
                """
                UPDATE campaign_recipients r
                SET status = 'Failed', message_id = COALESCE(r.message_id, @wamid), error_code = @code, error_message = @title,
                    failed_at = @at, next_attempt_at = NULL
                FROM target t
                WHERE r.id = t.id AND t.old_status IN ('Sending', 'Unknown', 'Sent')
                RETURNING r.campaign_id, t.old_status, r.status AS new_status
                """;
            command = connection.Command(WithTarget(update), transaction)
                .With("code", NpgsqlTypes.NpgsqlDbType.Integer, code)
                .With("title", NpgsqlTypes.NpgsqlDbType.Text, title is { Length: > 1000 } ? title[..1000] : title);
        }
        await using (command)
        {
            await command.With("account", accountId).With("campaign", campaignId.Value).With("wamid", messageId)
                .With("rid", NpgsqlTypes.NpgsqlDbType.Bigint, recipientId).With("at", at)
                .ExecuteNonQueryAsync(ct);
        }
        return true;
    }

    /// <summary>True while some recipient of this account is being sent and its message id is not stored yet.</summary>
    private static async Task<bool> SendInFlightAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            SELECT EXISTS (
                SELECT 1 FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
                WHERE c.account_id = @account AND c.status IN ('Running', 'Paused', 'Cancelled') AND r.status = 'Sending' AND r.message_id IS NULL)
            """, transaction).With("account", accountId);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>The template a status update names: by Meta's id when it gives one (the same id on every number of the
    /// WABA), else by name and language.</summary>
    private const string TemplateMatch =
        "(CASE WHEN @template_id IS NOT NULL THEN t.meta_template_id = @template_id ELSE t.name = @name AND t.language = @language END)";

    /// <summary>Meta's <c>message_template_status_update</c>: the template (by Meta's id, or name and language) of every
    /// number of the same WhatsApp Business Account takes the new status, audited. Only APPROVED ones can be sent.</summary>
    private async Task ApplyTemplateStatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, string? wabaId,
        JsonElement value, CancellationToken ct)
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
        await using var command = connection.Command(
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
                RETURNING target.name, target.language, target.old_status)
            INSERT INTO audit_entries (at, actor, action, target, details)
            SELECT @now, @actor, 'templates.status', left(name || ' (' || language || ')', 256),
                   left(old_status || ' -> ' || @status || ' (Meta webhook' || COALESCE(', reason: ' || @reason, '') || ')', 2000)
            FROM changed
            """, transaction)
            .With("account", accountId).With("waba", NpgsqlTypes.NpgsqlDbType.Varchar, wabaId)
            .With("template_id", NpgsqlTypes.NpgsqlDbType.Varchar, templateId)
            .With("name", NpgsqlTypes.NpgsqlDbType.Varchar, name).With("language", NpgsqlTypes.NpgsqlDbType.Varchar, language)
            .With("status", newStatus).With("reason", NpgsqlTypes.NpgsqlDbType.Text, reason is null or "NONE" ? null : reason)
            .With("now", clock.GetUtcNow()).With("actor", OutcomeWriter.SystemActor);
        var changedCount = await command.ExecuteNonQueryAsync(ct);
        logger.LogInformation("Template status update {Status} changed {Count} template(s).", newStatus, changedCount);
        if (newStatus == WhatsAppTemplate.Approved)
            return;

        // Meta refuses every further message with this template: running campaigns pause with the reason instead of
        // failing their remaining recipients one by one. Locked in id order, as every writer of campaign status does.
        var running = new List<(int Id, string Template)>();
        await using (var find = connection.Command(
            $"""
            SELECT c.id, t.name FROM campaigns c
            JOIN whatsapp_templates t ON t.id = c.template_id
            JOIN whatsapp_accounts a ON a.id = t.account_id
            WHERE c.status = 'Running' AND a.waba_id = (SELECT waba_id FROM whatsapp_accounts WHERE id = @account)
              AND {TemplateMatch}
            ORDER BY c.id
            FOR NO KEY UPDATE OF c
            """, transaction)
            .With("account", accountId).With("template_id", NpgsqlTypes.NpgsqlDbType.Varchar, templateId)
            .With("name", NpgsqlTypes.NpgsqlDbType.Varchar, name).With("language", NpgsqlTypes.NpgsqlDbType.Varchar, language))
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                running.Add((reader.GetInt32(0), reader.GetString(1)));
        }
        foreach (var (campaignId, template) in running)
        {
            await OutcomeWriter.PauseAsync(connection, transaction, campaignId,
                $"Sending paused: Meta set the template “{template}” to {newStatus}. Resume once it is approved again.", clock.GetUtcNow());
        }
    }

    /// <summary>Meta's <c>user_preferences</c>: a person stopped (or resumed) marketing messages from this business.</summary>
    private async Task ApplyUserPreferenceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, JsonElement preference, CancellationToken ct)
    {
        if (!string.Equals(Text(preference, "category"), "marketing_messages", StringComparison.OrdinalIgnoreCase))
            return;
        var waId = Text(preference, "wa_id");
        var choice = Text(preference, "value")?.Trim().ToLowerInvariant();
        if (waId is null || choice is not ("stop" or "resume"))
            return;
        var phone = "+" + waId.TrimStart('+');
        var stop = choice == "stop";
        await SetOptOutAsync(connection, transaction, phone, stop, Timestamp(preference),
            stop ? "Meta user_preferences: stopped marketing messages" : "Meta user_preferences: resumed marketing messages", ct);
    }

    /// <summary>Opts the contact with this phone out (or back in) when it is not already, with an audit entry. A person not
    /// in the contact book is added, opted out, so no later campaign (a CSV audience, say) reaches them.</summary>
    private async Task SetOptOutAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string phone, bool optOut, DateTimeOffset at,
        string why, CancellationToken ct)
    {
        if (phone.Length is < 9 or > 16 || !phone.Skip(1).All(char.IsAsciiDigit))
            return; // Not a WhatsApp id we could have messaged.
        var sql = optOut
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
              """;
        await using var command = connection.Command(sql, transaction)
            .With("phone", phone).With("at", at).With("actor", OutcomeWriter.SystemActor).With("why", Sql.Fit(why, 2000));
        if (await command.ExecuteNonQueryAsync(ct) > 0)
            logger.LogInformation("A contact was opted {Direction} by a webhook.", optOut ? "out" : "back in");
    }

    /// <summary>The campaign of the recipient a status is about, locked first (the dispatcher's lock order:
    /// campaign, then recipients), or null when no recipient of this account matches.</summary>
    private static async Task<int?> FindCampaignAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId,
        string messageId, long? recipientId, CancellationToken ct)
    {
        await using var find = connection.Command(
            $"""
            SELECT r.campaign_id FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
            WHERE c.account_id = @account AND {Matches} LIMIT 1
            """, transaction).With("account", accountId).With("wamid", messageId).With("rid", NpgsqlTypes.NpgsqlDbType.Bigint, recipientId);
        if (await find.ExecuteScalarAsync(ct) is not int campaignId)
            return null;
        await using var lockCampaign = connection.Command("SELECT 1 FROM campaigns WHERE id = @id FOR NO KEY UPDATE", transaction).With("id", campaignId);
        await lockCampaign.ExecuteNonQueryAsync(ct);
        return campaignId;
    }

    /// <summary>The recipient by its wamid, or, while the wamid is not stored yet, by its id (from the callback data).</summary>
    private const string Matches =
        "(r.message_id = @wamid OR (@rid IS NOT NULL AND r.id = @rid AND r.message_id IS NULL AND r.status IN ('Sending', 'Unknown')))";

    /// <summary>Wraps an UPDATE … RETURNING campaign_id, old_status, new_status of the locked <c>target</c> row with the
    /// counter changes it implies, so the row and the counters commit together.</summary>
    private static string WithTarget(string update) =>
        $"""
        WITH target AS (
            SELECT r.id, r.status AS old_status FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
            WHERE c.account_id = @account AND r.campaign_id = @campaign AND {Matches}
            LIMIT 1 FOR UPDATE OF r
        ), changed AS (
        {update}
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

    private async Task ApplyInboundAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, JsonElement message, CancellationToken ct)
    {
        var at = Timestamp(message);
        switch (Text(message, "type"))
        {
            case "button":
                var contextId = message.TryGetProperty("context", out var context) ? Text(context, "id") : null;
                if (contextId is null || !message.TryGetProperty("button", out var button))
                    return;
                var campaignId = await FindCampaignAsync(connection, transaction, accountId, contextId, null, ct);
                if (campaignId is null)
                    return;
                // Only the first press counts: later presses of the same message change nothing.
                await using (var command = connection.Command(
                    """
                    WITH target AS (
                        SELECT id, replied_at IS NULL AS first_reply FROM campaign_recipients
                        WHERE campaign_id = @campaign AND message_id = @wamid AND button_clicked IS NULL
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
                    """, transaction))
                {
                    await command.With("campaign", campaignId.Value).With("wamid", contextId)
                        .With("text", Text(button, "text") ?? "").With("payload", NpgsqlTypes.NpgsqlDbType.Text, Text(button, "payload"))
                        .With("at", at).ExecuteNonQueryAsync(ct);
                }
                break;
            case "text":
                var body = message.TryGetProperty("text", out var text) ? Text(text, "body") : null;
                var from = Text(message, "from");
                if (body is null || from is null || !IsStopKeyword(body))
                    return;
                await SetOptOutAsync(connection, transaction, "+" + from.TrimStart('+'), true, at,
                    $"Replied \"{Sql.Fit(body.Trim(), 40)}\" on WhatsApp", ct);
                break;
        }
    }

    /// <summary>True when the whole reply, without surrounding spaces and punctuation, is one of the stop keywords.</summary>
    private bool IsStopKeyword(string body) =>
        _stopKeywords.Contains(body.Trim().Trim('.', '!', '?', ',', ';', '"', '\'', ' '));

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
