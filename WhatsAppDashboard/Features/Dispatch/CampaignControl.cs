using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Scheduling;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>The outcome of a campaign action, in words for the user (a refusal is HTTP 409 in the API).</summary>
public sealed record CampaignActionResult(bool Succeeded, string Message, bool NotFound = false, int Recipients = 0)
{
    public static CampaignActionResult Missing { get; } = new(false, "That campaign does not exist (any more).", NotFound: true);
}

/// <summary>
/// Pause, resume, cancel and the explicit retries of a campaign that is sending. Each is one guarded update of the
/// campaign's status (two clicks, or a click and the dispatcher, cannot both win), and recipients and counters change
/// in the same transaction. The dispatcher re-reads the status before every claim, so a pause or cancel takes effect
/// within its next turn; requests already in flight finish and are recorded.
/// <para>"Retry failed" puts back every failed recipient except those who stopped marketing messages (131050) or are
/// now opted out or blocked; "Retry unknown" puts back the recipients whose send may or may not have left. Both reset
/// the attempts, are allowed while the campaign is running, paused or completed, and move a completed campaign back
/// to running (a paused one stays paused until resumed).</para>
/// </summary>
public sealed class CampaignControl(DispatchDatabase database, DispatchSignal signal, CampaignScheduler scheduler, TimeProvider clock)
{
    private static readonly string[] RetryableStatuses = [nameof(CampaignStatus.Running), nameof(CampaignStatus.Paused), nameof(CampaignStatus.Completed)];

    public async Task<CampaignActionResult> PauseAsync(int campaignId, string actor, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var name = await MoveAsync(connection, null, campaignId, CampaignStatus.Paused, "", actor, "campaigns.pause", ct);
        return name is null
            ? await RefusalAsync(connection, campaignId, CampaignStatus.Paused, ct)
            : new CampaignActionResult(true, $"“{name}” is paused. Messages already on their way are still recorded.");
    }

    public async Task<CampaignActionResult> ResumeAsync(int campaignId, string actor, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var name = await MoveAsync(connection, null, campaignId, CampaignStatus.Running, ", last_error = NULL", actor, "campaigns.resume", ct,
            from: [CampaignStatus.Paused]);
        if (name is null)
            return await RefusalAsync(connection, campaignId, CampaignStatus.Running, ct, resuming: true);
        signal.Wake();
        return new CampaignActionResult(true, $"“{name}” is sending again.");
    }

    /// <summary>Cancelled for good: every recipient still pending becomes skipped ("cancelled") in the same transaction.</summary>
    public async Task<CampaignActionResult> CancelAsync(int campaignId, string actor, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var name = await MoveAsync(connection, transaction, campaignId, CampaignStatus.Cancelled,
            ", completed_at = @now, scheduled_at = NULL", actor, "campaigns.cancel", ct);
        if (name is null)
        {
            await transaction.RollbackAsync(ct);
            return await RefusalAsync(connection, campaignId, CampaignStatus.Cancelled, ct);
        }
        await using var skip = connection.Command(
            $"""
            WITH changed AS (
                UPDATE campaign_recipients SET status = 'Skipped', error_message = @reason, next_attempt_at = NULL
                WHERE campaign_id = @id AND status = 'Pending'
                RETURNING campaign_id, status)
            {CampaignCounters.AddChangedToCounters}
            RETURNING d.skipped
            """, transaction).With("id", campaignId).With("reason", OutcomeWriter.CancelledReason);
        var skipped = await skip.ExecuteScalarAsync(ct) is long n ? (int)n : 0;
        await transaction.CommitAsync(ct);
        // A cancelled campaign's schedule is dropped wherever the cancel came from (page, endpoint, API).
        await scheduler.UnscheduleAsync(campaignId, ct);
        return new CampaignActionResult(true,
            $"“{name}” is cancelled" + (skipped > 0 ? $": {skipped:N0} recipient(s) not yet sent are skipped." : "."), Recipients: skipped);
    }

    public Task<CampaignActionResult> RetryFailedAsync(int campaignId, string actor, CancellationToken ct = default) =>
        RetryAsync(campaignId, RecipientStatus.Failed, actor, ct);

    public Task<CampaignActionResult> RetryUnknownAsync(int campaignId, string actor, CancellationToken ct = default) =>
        RetryAsync(campaignId, RecipientStatus.Unknown, actor, ct);

    private async Task<CampaignActionResult> RetryAsync(int campaignId, RecipientStatus which, string actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var what = which == RecipientStatus.Failed ? "failed" : "unknown";
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        string status, name;
        await using (var read = connection.Command("SELECT status, name FROM campaigns WHERE id = @id FOR NO KEY UPDATE", transaction).With("id", campaignId))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return CampaignActionResult.Missing;
            (status, name) = (reader.GetString(0), reader.GetString(1));
        }
        if (!RetryableStatuses.Contains(status))
        {
            return new CampaignActionResult(false,
                $"Only a running, paused or completed campaign can retry its {what} recipients; this one is {status.ToLowerInvariant()}.");
        }

        // Failed → pending takes them out of failed_count; unknown is not counted. Never those who asked not to be messaged.
        await using var retry = connection.Command(
            $"""
            WITH changed AS (
                UPDATE campaign_recipients r
                SET status = 'Pending', attempts = 0, next_attempt_at = NULL, error_code = NULL, error_message = NULL, failed_at = NULL
                WHERE r.campaign_id = @id AND r.status = @which
                  AND r.error_code IS DISTINCT FROM {SendDecisions.OptOutCode}
                  AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.phone = r.phone AND (c.is_opted_out OR c.is_blocked))
                RETURNING r.id)
            UPDATE campaigns c
            SET failed_count = c.failed_count - CASE WHEN @which = 'Failed' THEN d.n ELSE 0 END,
                status = CASE WHEN d.n > 0 AND c.status = 'Completed' THEN 'Running' ELSE c.status END,
                completed_at = CASE WHEN d.n > 0 AND c.status = 'Completed' THEN NULL ELSE c.completed_at END,
                updated_at = @now
            FROM (SELECT count(*)::int AS n FROM changed) d
            WHERE c.id = @id
            RETURNING d.n
            """, transaction).With("id", campaignId).With("which", which.ToString()).With("now", now);
        var count = (int)(await retry.ExecuteScalarAsync(ct))!;
        if (count == 0)
        {
            await transaction.RollbackAsync(ct);
            return new CampaignActionResult(false, which == RecipientStatus.Failed
                ? "There are no failed recipients to retry. (People who stopped marketing messages, opted out or are blocked are never retried.)"
                : "There are no recipients with an unknown result to retry.");
        }
        await AuditAsync(connection, transaction, actor, $"campaigns.retry-{what}", CampaignLifecycle.AuditTarget(campaignId, name), $"recipients={count}", now, ct);
        await transaction.CommitAsync(ct);
        signal.Wake();
        var paused = status == nameof(CampaignStatus.Paused) ? " Resume the campaign to send them." : "";
        return new CampaignActionResult(true, $"{count:N0} {what} recipient(s) of “{name}” will be sent again.{paused}", Recipients: count);
    }

    /// <summary>The guarded move (from every status the lifecycle allows, unless <paramref name="from"/> narrows it),
    /// audited in the same statement. Returns the campaign's name, or null when it did not move.</summary>
    private async Task<string?> MoveAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, int campaignId, CampaignStatus to, string alsoSet, string actor,
        string action, CancellationToken ct, CampaignStatus[]? from = null)
    {
        var sources = (from ?? CampaignTransitions.SourcesOf(to)).Select(s => s.ToString()).ToArray();
        await using var command = connection.Command(
            $"""
            WITH moved AS (
                UPDATE campaigns SET status = @to, updated_at = @now{alsoSet}
                WHERE id = @id AND status = ANY(@from)
                RETURNING name)
            INSERT INTO audit_entries (at, actor, action, target, details)
            SELECT @now, @actor, @action, left('#' || @id || ' ' || name, 256), NULL FROM moved
            RETURNING (SELECT name FROM moved)
            """, transaction)
            .With("id", campaignId).With("to", to.ToString()).With("from", sources).With("now", clock.GetUtcNow())
            .With("actor", Sql.Fit(actor, 256)).With("action", action);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<CampaignActionResult> RefusalAsync(
        NpgsqlConnection connection, int campaignId, CampaignStatus to, CancellationToken ct, bool resuming = false)
    {
        await using var command = connection.Command("SELECT status FROM campaigns WHERE id = @id").With("id", campaignId);
        if (await command.ExecuteScalarAsync(ct) is not string text || !Enum.TryParse<CampaignStatus>(text, out var current))
            return CampaignActionResult.Missing;
        var message = resuming && current != CampaignStatus.Running
            ? $"Only a paused campaign can be resumed; this one is {current.Describe()}."
            : CampaignTransitions.RefusalFor(current, to);
        return new CampaignActionResult(false, message);
    }

    private static async Task AuditAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string actor, string action, string target, string details,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var audit = connection.Command(
            "INSERT INTO audit_entries (at, actor, action, target, details) VALUES (@now, @actor, @action, @target, @details)", transaction)
            .With("now", now).With("actor", Sql.Fit(actor, 256)).With("action", action).With("target", Sql.Fit(target, 256)).With("details", details);
        await audit.ExecuteNonQueryAsync(ct);
    }
}
