using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// Applies one stored webhook at a time. Message statuses only move forward (Sending/Unknown &lt; Sent &lt; Delivered &lt;
/// Read; Failed only before delivery), so duplicates and out-of-order events change nothing, and each recipient
/// change moves the campaign's counters in the same statement, following <see cref="CampaignCounters"/>: besides
/// sent/failed, <c>delivered_count</c> = rows in Delivered or Read and <c>read_count</c> = rows in Read.
/// </summary>
public sealed class WebhookApplier(DispatchDatabase database, TimeProvider clock, IOptions<WebhookOptions> options, ILogger<WebhookApplier> logger)
{
    /// <summary>Words that opt a contact out when sent alone (several languages).</summary>
    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "STOP", "UNSUBSCRIBE", "STOPP", "ARRET", "ARRÊT", "PARAR", "BAJA", "ALTO", "DESCADASTRAR", "ABMELDEN", "HALT", "CANCELAR",
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
        await using (var claim = connection.Command(
            """
            SELECT id, account_id, payload::text FROM webhook_inbox
            WHERE processed_at IS NULL AND attempts < @max
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction).With("max", options.Value.MaxAttempts))
        await using (var reader = await claim.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return false;
            (id, accountId, payload) = (reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2));
        }

        await transaction.SaveAsync("apply", ct);
        string? error = null;
        try
        {
            await ApplyPayloadAsync(connection, transaction, accountId, payload, ct);
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

    private async Task ApplyPayloadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, string payload, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(payload);
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
                        await ApplyStatusAsync(connection, transaction, accountId, status, ct);
                }
                if (value.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                {
                    foreach (var message in messages.EnumerateArray())
                        await ApplyInboundAsync(connection, transaction, accountId, message, ct);
                }
            }
        }
    }

    private async Task ApplyStatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int accountId, JsonElement status, CancellationToken ct)
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

        var campaignId = await FindCampaignAsync(connection, transaction, accountId, messageId, recipientId, ct);
        if (campaignId is null)
            return; // A message this dashboard did not send (or a recipient already deleted): nothing to update.

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
                if (body is null || from is null || !StopWords.Contains(body.Trim().Trim('.', '!')))
                    return;
                await using (var optOut = connection.Command(
                    "UPDATE contacts SET is_opted_out = true, opted_out_at = @at WHERE phone = @phone AND NOT is_opted_out", transaction))
                {
                    var changed = await optOut.With("phone", "+" + from).With("at", at).ExecuteNonQueryAsync(ct);
                    if (changed > 0)
                        logger.LogInformation("A contact opted out by replying to a campaign message.");
                }
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
