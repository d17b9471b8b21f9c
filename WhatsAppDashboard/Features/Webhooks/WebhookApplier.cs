using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;

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
    /// <summary>Words that opt a contact out when sent alone (several languages).</summary>
    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "STOP", "UNSUBSCRIBE", "STOPP", "ARRET", "ARRÊT", "PARAR", "BAJA", "ALTO", "DESCADASTRAR", "ABMELDEN", "HALT", "CANCELAR",
    };

    private sealed record StoredWebhook(long Id, int AccountId, string Payload);

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
            SELECT id, account_id, payload::text FROM webhook_inbox
            WHERE processed_at IS NULL AND attempts < @max
            ORDER BY id LIMIT @size FOR UPDATE SKIP LOCKED
            """, transaction).With("max", options.Value.MaxAttempts).With("size", size);
        await using var reader = await claim.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            claimed.Add(new StoredWebhook(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2)));
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
                    if (value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var status in statuses.EnumerateArray())
                            PlanStatus(stored.AccountId, status, statements, messageIds, recipientIds);
                    }
                    if (value.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var message in messages.EnumerateArray())
                            PlanInbound(stored.AccountId, message, statements, messageIds);
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

    private void PlanStatus(int accountId, JsonElement status, List<NpgsqlBatchCommand> statements, List<string> messageIds, List<long> recipientIds)
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
        statements.Add(command);
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
            WHERE c.account_id = @account AND {Matches}
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
                if (body is null || from is null || !StopWords.Contains(body.Trim().Trim('.', '!')))
                    return;
                var optOut = new NpgsqlBatchCommand("UPDATE contacts SET is_opted_out = true, opted_out_at = @at WHERE phone = @phone AND NOT is_opted_out");
                optOut.Parameters.AddWithValue("phone", "+" + from);
                optOut.Parameters.AddWithValue("at", at);
                statements.Add(optOut);
                break;
        }
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
