using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>A recipient claimed for sending: its row as the claim left it.</summary>
/// <param name="ClaimedAt">The row's <c>sending_at</c> as stored: identifies this claim when the result is written.</param>
/// <param name="Attempts">Attempts including this one.</param>
public sealed record ClaimedRecipient(
    long Id, int CampaignId, string Phone, string Name, string ParametersJson, DateTimeOffset ClaimedAt, int Attempts);

/// <summary>What became of one claimed recipient: accepted by Meta (<see cref="MessageId"/>), refused
/// (<see cref="Error"/>), or given back unsent (<see cref="Released"/>: the run was paused or the app is stopping).</summary>
public sealed record SendOutcome(ClaimedRecipient Recipient, string? MessageId, CloudApiError? Error, bool Released = false);

/// <summary>
/// Writes send results in batches (every <c>Dispatch:ResultFlushMilliseconds</c> or <c>ResultBatchSize</c> results),
/// each batch in ONE transaction: the recipient rows, the campaign counters, opt-outs and pauses together. The
/// campaign rows are locked first, in id order, as every other writer of campaign status does, so a batch and a
/// cancel never interleave: a recipient that would go back to pending in a cancelled campaign is skipped instead.
/// </summary>
public sealed class OutcomeWriter(
    DispatchDatabase database,
    DispatchOptions options,
    TimeProvider clock,
    ILogger logger,
    string accountName,
    Action<IReadOnlyList<SendOutcome>> written)
{
    private const int WriteAttempts = 4;
    public const string SystemActor = "system";
    public const string CancelledReason = "cancelled";

    /// <summary>How the account is named in pause reasons and logs (set once the dispatcher has read it).</summary>
    public string AccountName { get; set; } = accountName;

    private readonly Channel<SendOutcome> _channel = Channel.CreateUnbounded<SendOutcome>(new UnboundedChannelOptions { SingleReader = true });

    public void Add(SendOutcome outcome)
    {
        if (!_channel.Writer.TryWrite(outcome))
            throw new InvalidOperationException("The result writer is already closed.");
    }

    /// <summary>No more results will come; <see cref="RunAsync"/> returns once everything is written.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    public async Task RunAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<SendOutcome>(options.ResultBatchSize);
        var flushAfter = TimeSpan.FromMilliseconds(options.ResultFlushMilliseconds);
        while (await reader.WaitToReadAsync())
        {
            var started = clock.GetTimestamp();
            while (batch.Count < options.ResultBatchSize)
            {
                if (reader.TryRead(out var outcome))
                {
                    batch.Add(outcome);
                    continue;
                }
                var left = flushAfter - clock.GetElapsedTime(started);
                if (left <= TimeSpan.Zero || !await MoreWithinAsync(reader, left))
                    break;
            }
            await WriteWithRetriesAsync(batch);
            written(batch);
            batch.Clear();
        }
    }

    private async Task<bool> MoreWithinAsync(ChannelReader<SendOutcome> reader, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait, clock);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task WriteWithRetriesAsync(IReadOnlyList<SendOutcome> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteAsync(batch);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && attempt < WriteAttempts)
            {
                logger.LogWarning(ex, "Writing {Count} send results of {Account} failed (attempt {Attempt}); trying again.", batch.Count, AccountName, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(250 * Math.Pow(2, attempt)), clock);
            }
            catch (Exception ex)
            {
                // The rows stay 'sending' and become 'unknown' later: never sent again without an explicit retry.
                logger.LogError(ex, "{Count} send results of {Account} could not be written; those recipients will show as unknown.", batch.Count, AccountName);
                return;
            }
        }
    }

    private async Task WriteAsync(IReadOnlyList<SendOutcome> batch)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();

        var campaignStatus = new Dictionary<int, string>();
        await using (var lockCampaigns = connection.Command(
            "SELECT id, status FROM campaigns WHERE id = ANY(@ids) ORDER BY id FOR NO KEY UPDATE", transaction)
            .With("ids", batch.Select(o => o.Recipient.CampaignId).Distinct().ToArray()))
        await using (var reader = await lockCampaigns.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                campaignStatus[reader.GetInt32(0)] = reader.GetString(1);
        }

        var rows = new RowChanges(batch.Count);
        var optOuts = new Dictionary<string, (string Name, int CampaignId)>();
        var pauses = new Dictionary<int, CloudApiError>();
        foreach (var outcome in batch)
        {
            var recipient = outcome.Recipient;
            var cancelled = campaignStatus.GetValueOrDefault(recipient.CampaignId) == nameof(CampaignStatus.Cancelled);
            if (outcome.Released)
            {
                rows.Add(recipient, cancelled ? RecipientStatus.Skipped : RecipientStatus.Pending,
                    errorMessage: cancelled ? CancelledReason : null, attemptsDelta: -1);
                continue;
            }
            if (outcome.Error is not { } error)
            {
                rows.Add(recipient, RecipientStatus.Sent, messageId: outcome.MessageId, sentAt: now);
                continue;
            }

            var decision = SendDecisions.For(error, recipient.Attempts, options, now, Random.Shared);
            var status = decision.Status == RecipientStatus.Pending && cancelled ? RecipientStatus.Skipped : decision.Status;
            rows.Add(recipient, status,
                errorCode: error.Code,
                errorMessage: status == RecipientStatus.Skipped ? CancelledReason : error.ToString(),
                nextAttemptAt: status == RecipientStatus.Pending ? decision.NextAttemptAt : null,
                failedAt: status == RecipientStatus.Failed ? now : null,
                attemptsDelta: decision.GiveBackAttempt ? -1 : 0);
            if (decision.OptOutContact)
                optOuts.TryAdd(recipient.Phone, (recipient.Name, recipient.CampaignId));
            if (decision.PauseCampaign && campaignStatus.GetValueOrDefault(recipient.CampaignId) == nameof(CampaignStatus.Running))
                pauses.TryAdd(recipient.CampaignId, error);
        }

        await rows.ApplyAsync(connection, transaction);
        if (optOuts.Count > 0)
            await OptOutAsync(connection, transaction, optOuts, now);
        foreach (var (campaignId, error) in pauses)
        {
            var reason = $"Sending paused: the Cloud API refused {AccountName}: {error}. Fix the account (for example its access token), then resume.";
            await PauseAsync(connection, transaction, campaignId, reason, now);
        }
        await transaction.CommitAsync();
    }

    /// <summary>Running → Paused with the reason, audited as the system; nothing if it is no longer running.</summary>
    public static async Task<bool> PauseAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int campaignId, string reason, DateTimeOffset now)
    {
        await using var pause = connection.Command(
            """
            WITH paused AS (
                UPDATE campaigns SET status = 'Paused', last_error = @reason, updated_at = @now
                WHERE id = @id AND status = 'Running'
                RETURNING name)
            INSERT INTO audit_entries (at, actor, action, target, details)
            SELECT @now, @actor, 'campaigns.pause', left('#' || @id || ' ' || name, 256), left(@reason, 2000) FROM paused
            """, transaction)
            .With("id", campaignId).With("reason", Sql.Fit(reason, 2000)).With("now", now).With("actor", SystemActor);
        return await pause.ExecuteNonQueryAsync() > 0;
    }

    /// <summary>
    /// Meta says these people stopped marketing messages from this business: their contacts are opted out (and
    /// created, opted out, when the number came from a CSV), so no later campaign reaches them. Audited.
    /// </summary>
    private static async Task OptOutAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<string, (string Name, int CampaignId)> people, DateTimeOffset now)
    {
        await using var command = connection.Command(
            """
            WITH stopped AS (
                INSERT INTO contacts AS c (phone, name, attributes, is_opted_out, opted_out_at, is_blocked, is_active, created_at, updated_at)
                SELECT p.phone, p.name, '{}'::jsonb, true, @now, false, true, @now, @now
                FROM unnest(@phones, @names) AS p(phone, name)
                ON CONFLICT (phone) DO UPDATE SET is_opted_out = true, opted_out_at = EXCLUDED.opted_out_at, updated_at = EXCLUDED.updated_at
                WHERE NOT c.is_opted_out
                RETURNING c.phone)
            INSERT INTO audit_entries (at, actor, action, target, details)
            SELECT @now, @actor, 'contacts.optout', s.phone, 'Meta error 131050 (the user stopped marketing messages) in campaign ' || p.campaign_id
            FROM stopped s JOIN unnest(@phones, @campaigns) AS p(phone, campaign_id) ON p.phone = s.phone
            """, transaction)
            .With("phones", people.Keys.ToArray())
            .With("names", people.Values.Select(p => Sql.Fit(p.Name, 200) ?? "").ToArray())
            .With("campaigns", people.Values.Select(p => p.CampaignId).ToArray())
            .With("now", now)
            .With("actor", SystemActor);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The recipient rows of one batch, applied with their counter changes in one statement.</summary>
    private sealed class RowChanges(int capacity)
    {
        private readonly List<long> _ids = new(capacity);
        private readonly List<DateTimeOffset> _claimedAt = new(capacity);
        private readonly List<string> _statuses = new(capacity);
        private readonly List<string?> _messageIds = new(capacity);
        private readonly List<int?> _errorCodes = new(capacity);
        private readonly List<string?> _errorMessages = new(capacity);
        private readonly List<DateTimeOffset?> _nextAttemptAt = new(capacity);
        private readonly List<DateTimeOffset?> _sentAt = new(capacity);
        private readonly List<DateTimeOffset?> _failedAt = new(capacity);
        private readonly List<int> _attemptsDelta = new(capacity);

        public void Add(ClaimedRecipient recipient, RecipientStatus status, string? messageId = null, int? errorCode = null,
            string? errorMessage = null, DateTimeOffset? nextAttemptAt = null, DateTimeOffset? sentAt = null,
            DateTimeOffset? failedAt = null, int attemptsDelta = 0)
        {
            _ids.Add(recipient.Id);
            _claimedAt.Add(recipient.ClaimedAt);
            _statuses.Add(status.ToString());
            _messageIds.Add(Sql.Fit(messageId, 128));
            _errorCodes.Add(errorCode);
            _errorMessages.Add(Sql.Fit(errorMessage, 1000));
            _nextAttemptAt.Add(nextAttemptAt);
            _sentAt.Add(sentAt);
            _failedAt.Add(failedAt);
            _attemptsDelta.Add(attemptsDelta);
        }

        public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            // Only the claim this result belongs to may be resolved: the row must still be 'sending' (or 'unknown',
            // when the answer comes very late) with the claim's own sending_at. A late answer to a row that was
            // retried since finds nothing to change.
            await using var command = connection.Command(
                $"""
                WITH input AS (
                    SELECT * FROM unnest(@ids, @claimed_at, @statuses, @message_ids, @error_codes, @error_messages,
                                         @next_attempt_at, @sent_at, @failed_at, @attempts_delta)
                        AS u(id, claimed_at, status, message_id, error_code, error_message, next_attempt_at, sent_at, failed_at, attempts_delta)
                ), changed AS (
                    UPDATE campaign_recipients r
                    SET status = u.status, message_id = COALESCE(u.message_id, r.message_id), error_code = u.error_code,
                        error_message = u.error_message, next_attempt_at = u.next_attempt_at,
                        sent_at = COALESCE(u.sent_at, r.sent_at), failed_at = COALESCE(u.failed_at, r.failed_at),
                        attempts = GREATEST(0, r.attempts + u.attempts_delta)
                    FROM input u
                    WHERE r.id = u.id AND r.status IN ('Sending', 'Unknown') AND r.sending_at = u.claimed_at
                    RETURNING r.campaign_id, r.status)
                {CampaignCounters.AddChangedToCounters}
                """, transaction)
                .With("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, _ids.ToArray())
                .With("claimed_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, _claimedAt.ToArray())
                .With("statuses", NpgsqlDbType.Array | NpgsqlDbType.Text, _statuses.ToArray())
                .With("message_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, _messageIds.ToArray())
                .With("error_codes", NpgsqlDbType.Array | NpgsqlDbType.Integer, _errorCodes.ToArray())
                .With("error_messages", NpgsqlDbType.Array | NpgsqlDbType.Text, _errorMessages.ToArray())
                .With("next_attempt_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, _nextAttemptAt.ToArray())
                .With("sent_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, _sentAt.ToArray())
                .With("failed_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, _failedAt.ToArray())
                .With("attempts_delta", NpgsqlDbType.Array | NpgsqlDbType.Integer, _attemptsDelta.ToArray());
            await command.ExecuteNonQueryAsync();
        }
    }
}
