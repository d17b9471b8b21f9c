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
/// each recipient change moves the campaign's counters in the same transaction, following <see cref="CampaignCounters"/>:
/// besides sent/failed, <c>delivered_count</c> = rows in Delivered or Read and <c>read_count</c> = rows in Read.
/// The statuses of a batch are applied set-wise: the recipients they name are read and locked in one statement, the
/// statuses are folded over them here in arrival order, and the final rows and the counter changes are written in one
/// round trip. The result is the same as applying the webhooks one by one, while the campaign rows (which the result
/// writer also locks) are held for a few statements instead of one per status. When a statement fails, the batch is
/// applied again one webhook at a time and only that one keeps the error.
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

    /// <summary>One message status of a webhook. <paramref name="Rank"/> is the forward rank (Sent 2, Delivered 3,
    /// Read 4), or null for <c>failed</c>; the raw JSON parts rebuild the status as a webhook of its own when it must wait.</summary>
    private sealed record StatusEvent(
        StoredWebhook Stored, string MessageId, long? RecipientId, RecipientStatus? Forward, int Rank, DateTimeOffset At,
        int? ErrorCode, string? ErrorTitle, string? MetadataJson, string StatusJson);

    /// <summary>What one stored webhook asks for: its message statuses, its other statements (replies, opt-outs,
    /// template updates) with the message ids the replies name, or why it cannot be applied.</summary>
    private sealed record PlannedWebhook(
        StoredWebhook Stored, List<StatusEvent> Statuses, List<NpgsqlBatchCommand> Statements, List<string> RepliedMessageIds, string? Error);

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
                await ApplyAsync(connection, transaction, planned.Where(p => p.Error is null).ToList(), ct,
                    Mark(planned.Select(p => (p.Stored.Id, p.Error))));
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
                        await ApplyAsync(connection, transaction, [plan], ct);
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

    /// <summary>Applies planned webhooks in the transaction: the campaigns they may touch are locked first, then their
    /// recipients; the statuses are folded in arrival order and written with their counters and kept-back statuses in
    /// one round trip, followed by the other statements in arrival order.</summary>
    private async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PlannedWebhook> planned,
        CancellationToken ct, NpgsqlBatchCommand? last = null)
    {
        var lockCampaigns = LockCampaigns(planned);
        var statuses = planned.SelectMany(p => p.Statuses).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (statuses.Count > 0)
        {
            var rows = await LockRecipientsAsync(connection, transaction, lockCampaigns, statuses, ct);
            var fold = Fold(statuses, rows);
            AddStatusWrites(batch, fold);
        }
        else if (lockCampaigns is not null)
        {
            await using var locking = new NpgsqlBatch(connection, transaction) { BatchCommands = { lockCampaigns } };
            await locking.ExecuteNonQueryAsync(ct);
        }
        foreach (var statement in planned.SelectMany(p => p.Statements))
            batch.BatchCommands.Add(statement);
        if (last is not null)
            batch.BatchCommands.Add(last);
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<StoredWebhook>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int size, CancellationToken ct)
    {
        var claimed = new List<StoredWebhook>();
        // The transaction commits without waiting for the disk flush. Safe here, and only here: applying is a pure
        // function of the stored inbox rows, which were flushed when they were received, and their "applied" mark
        // commits with the changes. A crash can only lose the last fraction of a second of applied batches together
        // with their marks, and those webhooks are applied again (statuses only move forward, replies and opt-outs
        // count once, so twice is the same as once). Meanwhile the campaign rows, which the result writer also locks,
        // are not held for a disk flush.
        await using var claim = connection.Command(
            """
            SET LOCAL synchronous_commit = off;
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
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Mark(outcomes) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The statement that marks the claimed webhooks applied, or keeps each one's error for a later try.</summary>
    private NpgsqlBatchCommand Mark(IEnumerable<(long Id, string? Error)> outcomes)
    {
        var list = outcomes.ToList();
        var mark = new NpgsqlBatchCommand(
            """
            UPDATE webhook_inbox i SET attempts = i.attempts + 1, error = o.error,
                processed_at = CASE WHEN o.error IS NULL THEN @now ELSE NULL END
            FROM unnest(@ids, @errors) AS o(id, error)
            WHERE i.id = o.id
            """);
        mark.Parameters.Add(Array("ids", NpgsqlTypes.NpgsqlDbType.Bigint, list.Select(o => o.Id).ToArray()));
        mark.Parameters.Add(Array("errors", NpgsqlTypes.NpgsqlDbType.Text, list.Select(o => o.Error).ToArray()));
        mark.Parameters.AddWithValue("now", clock.GetUtcNow());
        return mark;
    }

    /// <summary>The statement that locks the campaigns the batch may touch, in id order (the dispatcher's lock order:
    /// campaigns, then recipients), before any recipient row is locked; null when the batch names no message.</summary>
    private static NpgsqlBatchCommand? LockCampaigns(IReadOnlyList<PlannedWebhook> planned)
    {
        var messageIds = planned.SelectMany(p => p.Statuses.Select(s => s.MessageId).Concat(p.RepliedMessageIds)).Distinct().ToArray();
        var recipientIds = planned.SelectMany(p => p.Statuses).Where(s => s.RecipientId is not null).Select(s => s.RecipientId!.Value).Distinct().ToArray();
        if (messageIds.Length == 0 && recipientIds.Length == 0)
            return null;
        var lockCampaigns = new NpgsqlBatchCommand(
            """
            SELECT id FROM campaigns WHERE id IN (
                SELECT campaign_id FROM campaign_recipients WHERE message_id = ANY(@wamids)
                UNION SELECT campaign_id FROM campaign_recipients WHERE id = ANY(@rids))
            ORDER BY id FOR NO KEY UPDATE
            """);
        lockCampaigns.Parameters.Add(Array("wamids", NpgsqlTypes.NpgsqlDbType.Text, messageIds));
        lockCampaigns.Parameters.Add(Array("rids", NpgsqlTypes.NpgsqlDbType.Bigint, recipientIds));
        return lockCampaigns;
    }

    /// <summary>A recipient row as the fold sees it: read (and locked) before the batch, changed in memory.</summary>
    private sealed class RecipientRow
    {
        public long Id;
        public int CampaignId;
        public int AccountId;
        public RecipientStatus OriginalStatus;
        public RecipientStatus Status;
        public string? MessageId;
        public DateTimeOffset? SentAt, DeliveredAt, ReadAt, FailedAt;
        public int? ErrorCode;
        public string? ErrorMessage;
        public bool Changed;
    }

    /// <summary>Reads and locks, in id order, every recipient a status of the batch may name: by its wamid, or, while the
    /// wamid is not stored yet, by its id (the dispatcher passes it as biz_opaque_callback_data).</summary>
    private static async Task<List<RecipientRow>> LockRecipientsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlBatchCommand? lockCampaigns, List<StatusEvent> statuses, CancellationToken ct)
    {
        var select = new NpgsqlBatchCommand(
            """
            SELECT r.id, r.campaign_id, c.account_id, r.status, r.message_id, r.sent_at, r.delivered_at, r.read_at, r.failed_at,
                   r.error_code, r.error_message
            FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
            WHERE c.account_id = ANY(@accounts)
              AND (r.message_id = ANY(@wamids) OR (r.id = ANY(@rids) AND r.message_id IS NULL AND r.status IN ('Sending', 'Unknown')))
            ORDER BY r.id
            FOR UPDATE OF r
            """);
        select.Parameters.Add(Array("accounts", NpgsqlTypes.NpgsqlDbType.Integer, statuses.Select(s => s.Stored.AccountId).Distinct().ToArray()));
        select.Parameters.Add(Array("wamids", NpgsqlTypes.NpgsqlDbType.Text, statuses.Select(s => s.MessageId).Distinct().ToArray()));
        select.Parameters.Add(Array("rids", NpgsqlTypes.NpgsqlDbType.Bigint,
            statuses.Where(s => s.RecipientId is not null).Select(s => s.RecipientId!.Value).Distinct().ToArray()));
        // One round trip: the campaigns are locked by the first statement before the second locks any recipient.
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (lockCampaigns is not null)
            batch.BatchCommands.Add(lockCampaigns);
        batch.BatchCommands.Add(select);
        var rows = new List<RecipientRow>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        // The locked campaigns' ids are not needed, only the lock: their result is skipped.
        if (lockCampaigns is not null)
            await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var status = Enum.Parse<RecipientStatus>(reader.GetString(3));
            rows.Add(new RecipientRow
            {
                Id = reader.GetInt64(0),
                CampaignId = reader.GetInt32(1),
                AccountId = reader.GetInt32(2),
                OriginalStatus = status,
                Status = status,
                MessageId = reader.IsDBNull(4) ? null : reader.GetString(4),
                SentAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                DeliveredAt = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                ReadAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                FailedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                ErrorCode = reader.IsDBNull(9) ? null : reader.GetInt32(9),
                ErrorMessage = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
        }
        return rows;
    }

    /// <summary>The rows changed by the batch's statuses, and the statuses that found no recipient.</summary>
    private sealed record FoldResult(List<RecipientRow> Changed, List<StatusEvent> Unmatched);

    /// <summary>Applies the statuses to the rows in arrival order, by the same rules as one status at a time.</summary>
    private static FoldResult Fold(List<StatusEvent> statuses, List<RecipientRow> rows)
    {
        var byMessageId = rows.Where(r => r.MessageId is not null).ToDictionary(r => r.MessageId!, StringComparer.Ordinal);
        var byId = rows.ToDictionary(r => r.Id);
        var unmatched = new List<StatusEvent>();
        foreach (var status in statuses)
        {
            var accountId = status.Stored.AccountId;
            RecipientRow? row = byMessageId.TryGetValue(status.MessageId, out var found) && found.AccountId == accountId ? found : null;
            if (row is null && status.RecipientId is { } rid && byId.TryGetValue(rid, out var byRid)
                && byRid.AccountId == accountId && byRid.MessageId is null && byRid.Status is RecipientStatus.Sending or RecipientStatus.Unknown)
                row = byRid;
            if (row is null)
            {
                unmatched.Add(status);
                continue;
            }
            if (status.Forward is { } forward)
            {
                if (Rank(row.Status) >= status.Rank)
                    continue;
                row.Status = forward;
                row.SentAt ??= status.At;
                if (status.Rank >= 3)
                    row.DeliveredAt ??= status.At;
                if (status.Rank >= 4)
                    row.ReadAt ??= status.At;
            }
            else
            {
                if (row.Status is not (RecipientStatus.Sending or RecipientStatus.Unknown or RecipientStatus.Sent))
                    continue;
                row.Status = RecipientStatus.Failed;
                row.ErrorCode = status.ErrorCode;
                row.ErrorMessage = status.ErrorTitle;
                row.FailedAt = status.At;
            }
            if (row.MessageId is null)
            {
                row.MessageId = status.MessageId;
                byMessageId.TryAdd(status.MessageId, row);
            }
            row.Changed = true;
        }
        return new FoldResult(rows.Where(r => r.Changed).ToList(), unmatched);
    }

    /// <summary>Forward order of the statuses; a status outside it (Failed, Skipped, Pending) is never moved by a forward status.</summary>
    private static int Rank(RecipientStatus status) => status switch
    {
        RecipientStatus.Sending or RecipientStatus.Unknown => 1,
        RecipientStatus.Sent => 2,
        RecipientStatus.Delivered => 3,
        RecipientStatus.Read => 4,
        _ => 99,
    };

    private static bool CountsAsSent(RecipientStatus s) => s is RecipientStatus.Sent or RecipientStatus.Delivered or RecipientStatus.Read;
    private static bool CountsAsDelivered(RecipientStatus s) => s is RecipientStatus.Delivered or RecipientStatus.Read;

    /// <summary>The fold's result as statements: the changed rows, the campaigns' counter changes, and the unmatched
    /// statuses kept for later (see <see cref="KeptStatusSql"/>).</summary>
    private void AddStatusWrites(NpgsqlBatch batch, FoldResult fold)
    {
        if (fold.Changed.Count > 0)
        {
            var changed = fold.Changed;
            var rows = new NpgsqlBatchCommand(
                """
                UPDATE campaign_recipients r
                SET status = u.status, message_id = u.message_id, sent_at = u.sent_at, delivered_at = u.delivered_at,
                    read_at = u.read_at, failed_at = u.failed_at, error_code = u.error_code, error_message = u.error_message,
                    next_attempt_at = NULL
                FROM unnest(@ids, @statuses, @message_ids, @sent_at, @delivered_at, @read_at, @failed_at, @error_codes, @error_messages)
                    AS u(id, status, message_id, sent_at, delivered_at, read_at, failed_at, error_code, error_message)
                WHERE r.id = u.id
                """);
            rows.Parameters.Add(Array("ids", NpgsqlTypes.NpgsqlDbType.Bigint, changed.Select(r => r.Id).ToArray()));
            rows.Parameters.Add(Array("statuses", NpgsqlTypes.NpgsqlDbType.Text, changed.Select(r => r.Status.ToString()).ToArray()));
            rows.Parameters.Add(Array("message_ids", NpgsqlTypes.NpgsqlDbType.Text, changed.Select(r => r.MessageId).ToArray()));
            rows.Parameters.Add(Array("sent_at", NpgsqlTypes.NpgsqlDbType.TimestampTz, changed.Select(r => r.SentAt).ToArray()));
            rows.Parameters.Add(Array("delivered_at", NpgsqlTypes.NpgsqlDbType.TimestampTz, changed.Select(r => r.DeliveredAt).ToArray()));
            rows.Parameters.Add(Array("read_at", NpgsqlTypes.NpgsqlDbType.TimestampTz, changed.Select(r => r.ReadAt).ToArray()));
            rows.Parameters.Add(Array("failed_at", NpgsqlTypes.NpgsqlDbType.TimestampTz, changed.Select(r => r.FailedAt).ToArray()));
            rows.Parameters.Add(Array("error_codes", NpgsqlTypes.NpgsqlDbType.Integer, changed.Select(r => r.ErrorCode).ToArray()));
            rows.Parameters.Add(Array("error_messages", NpgsqlTypes.NpgsqlDbType.Text, changed.Select(r => r.ErrorMessage).ToArray()));
            batch.BatchCommands.Add(rows);

            var deltas = changed.GroupBy(r => r.CampaignId).Select(g => (
                CampaignId: g.Key,
                Sent: g.Sum(r => (CountsAsSent(r.Status) ? 1 : 0) - (CountsAsSent(r.OriginalStatus) ? 1 : 0)),
                Delivered: g.Sum(r => (CountsAsDelivered(r.Status) ? 1 : 0) - (CountsAsDelivered(r.OriginalStatus) ? 1 : 0)),
                Read: g.Sum(r => (r.Status == RecipientStatus.Read ? 1 : 0) - (r.OriginalStatus == RecipientStatus.Read ? 1 : 0)),
                Failed: g.Sum(r => (r.Status == RecipientStatus.Failed ? 1 : 0) - (r.OriginalStatus == RecipientStatus.Failed ? 1 : 0))))
                .OrderBy(d => d.CampaignId).ToList();
            var counters = new NpgsqlBatchCommand(
                """
                UPDATE campaigns c
                SET sent_count = c.sent_count + d.sent, delivered_count = c.delivered_count + d.delivered,
                    read_count = c.read_count + d.read, failed_count = c.failed_count + d.failed
                FROM unnest(@campaigns, @sent, @delivered, @read, @failed) AS d(campaign_id, sent, delivered, read, failed)
                WHERE c.id = d.campaign_id
                """);
            counters.Parameters.Add(Array("campaigns", NpgsqlTypes.NpgsqlDbType.Integer, deltas.Select(d => d.CampaignId).ToArray()));
            counters.Parameters.Add(Array("sent", NpgsqlTypes.NpgsqlDbType.Integer, deltas.Select(d => d.Sent).ToArray()));
            counters.Parameters.Add(Array("delivered", NpgsqlTypes.NpgsqlDbType.Integer, deltas.Select(d => d.Delivered).ToArray()));
            counters.Parameters.Add(Array("read", NpgsqlTypes.NpgsqlDbType.Integer, deltas.Select(d => d.Read).ToArray()));
            counters.Parameters.Add(Array("failed", NpgsqlTypes.NpgsqlDbType.Integer, deltas.Select(d => d.Failed).ToArray()));
            batch.BatchCommands.Add(counters);
        }

        var kept = fold.Unmatched.Where(s => s.Stored.Attempts + 1 < options.Value.MaxAttempts).ToList();
        if (kept.Count > 0)
        {
            var now = clock.GetUtcNow();
            var keep = new NpgsqlBatchCommand(KeptStatusSql);
            keep.Parameters.Add(Array("due", NpgsqlTypes.NpgsqlDbType.TimestampTz,
                kept.Select(s => now + TimeSpan.FromSeconds(options.Value.UnknownMessageRetrySeconds * (s.Stored.Attempts + 1))).ToArray()));
            keep.Parameters.Add(Array("accounts", NpgsqlTypes.NpgsqlDbType.Integer, kept.Select(s => s.Stored.AccountId).ToArray()));
            keep.Parameters.Add(Array("payloads", NpgsqlTypes.NpgsqlDbType.Text, kept.Select(KeptPayload).ToArray()));
            keep.Parameters.Add(Array("attempts", NpgsqlTypes.NpgsqlDbType.Integer, kept.Select(s => s.Stored.Attempts + 1).ToArray()));
            keep.Parameters.Add(Array("errors", NpgsqlTypes.NpgsqlDbType.Text,
                kept.Select(s => Fit($"Waiting for message id(s) {s.MessageId}: kept until the send result is stored.")).ToArray()));
            batch.BatchCommands.Add(keep);
        }
    }

    private static NpgsqlParameter Array<T>(string name, NpgsqlTypes.NpgsqlDbType type, T[] values) =>
        new(name, NpgsqlTypes.NpgsqlDbType.Array | type) { Value = values };

    /// <summary>
    /// A status that found no recipient while a send of its account is in flight may simply be ahead of its send
    /// result, so it is stored again as a webhook of its own, due after a pause that grows with each try (its
    /// <c>received_at</c> is when it is due). On the last try it is dropped, as a status for a message this app never
    /// sent always is. Runs after the batch's row changes, so a send this batch resolved no longer counts as in flight.
    /// </summary>
    private const string KeptStatusSql =
        """
        INSERT INTO webhook_inbox (received_at, account_id, payload, attempts, error)
        SELECT k.due, k.account_id, k.payload::jsonb, k.attempts, k.error
        FROM unnest(@due, @accounts, @payloads, @attempts, @errors) AS k(due, account_id, payload, attempts, error)
        WHERE EXISTS (
            SELECT 1 FROM campaign_recipients sr JOIN campaigns sc ON sc.id = sr.campaign_id
            WHERE sc.account_id = k.account_id AND sc.status IN ('Running', 'Paused', 'Cancelled')
              AND sr.status = 'Sending' AND sr.message_id IS NULL)
        """;

    /// <summary>The status alone, as Meta would send it, with the metadata of the webhook it came in.</summary>
    private static string KeptPayload(StatusEvent status) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":"
        + (status.MetadataJson ?? "null") + ",\"statuses\":[" + status.StatusJson + "]}}]}]}";

    private PlannedWebhook Plan(StoredWebhook stored)
    {
        var events = new List<StatusEvent>();
        var statements = new List<NpgsqlBatchCommand>();
        var repliedMessageIds = new List<string>();
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
                            PlanStatus(stored, metadata, status, events);
                    }
                    if (value.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var message in messages.EnumerateArray())
                            PlanInbound(stored.AccountId, message, statements, repliedMessageIds);
                    }
                    if (value.TryGetProperty("user_preferences", out var preferences) && preferences.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var preference in preferences.EnumerateArray())
                            PlanUserPreference(preference, statements);
                    }
                }
            }
            return new PlannedWebhook(stored, events, statements, repliedMessageIds, null);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or InvalidOperationException or FormatException)
        {
            var error = Fit(ex.Message);
            logger.LogWarning("Webhook {Id} could not be applied: {Error}", stored.Id, error);
            return new PlannedWebhook(stored, [], [], [], error);
        }
    }

    private static string Fit(string message) => message.Length > 2000 ? message[..2000] : message;

    private void PlanStatus(StoredWebhook stored, JsonElement? metadata, JsonElement status, List<StatusEvent> events)
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

        var (code, title) = forward is null ? FirstError(status) : (null, null);
        events.Add(new StatusEvent(stored, messageId, recipientId, forward?.Status, forward?.Rank ?? 0, at, code,
            title is { Length: > 1000 } ? title[..1000] : title, metadata?.GetRawText(), status.GetRawText()));
    }

    private void PlanInbound(int accountId, JsonElement message, List<NpgsqlBatchCommand> statements, List<string> repliedMessageIds)
    {
        var at = Timestamp(message);
        switch (Text(message, "type"))
        {
            case "button":
                var contextId = message.TryGetProperty("context", out var context) ? Text(context, "id") : null;
                if (contextId is null || !message.TryGetProperty("button", out var button))
                    return;
                repliedMessageIds.Add(contextId);
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
