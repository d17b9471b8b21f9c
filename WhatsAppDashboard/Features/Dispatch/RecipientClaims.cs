using Npgsql;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>A running campaign of the account being dispatched, with what every send of it needs.</summary>
public sealed record RunningCampaign(int Id, string Name, string? TemplateName, string? TemplateLanguage);

/// <summary>The portfolio an account sends for, its limit (null: unlimited), and the throughput of all its numbers
/// together (the fastest its places can be spent).</summary>
public sealed record PortfolioLimit(int PortfolioId, int? UniqueRecipientsPer24Hours, int PortfolioThroughput);

/// <summary>
/// The last exact count of a portfolio's 24-hour window, kept by one dispatcher. Counting takes a while on a large
/// window, so it is skipped while the limit is provably far: since the count, the portfolio's numbers together
/// cannot have reached more new people than their combined throughput allows (phones leaving the window only add
/// places). Near the limit, every claim counts exactly, under the portfolio's lock.
/// </summary>
public sealed class PortfolioBudget
{
    private int? _used;
    private DateTimeOffset _countedAt;

    public bool IsFarFromLimit(PortfolioLimit portfolio, int claimSize, DateTimeOffset now)
    {
        if (_used is not { } used || portfolio.UniqueRecipientsPer24Hours is not { } limit)
            return false;
        // One second more than elapsed: claims made just before the count were already counted as 'sending'.
        var mostSpentSince = portfolio.PortfolioThroughput * ((now - _countedAt).TotalSeconds + 1);
        return limit - used - mostSpentSince >= claimSize;
    }

    public void Counted(int used, DateTimeOffset at) => (_used, _countedAt) = (used, at);
}

/// <summary>What a claim took; <see cref="LimitReason"/> is set when the messaging limit paused the campaign instead.</summary>
public sealed record ClaimResult(IReadOnlyList<ClaimedRecipient> Recipients, string? LimitReason = null)
{
    public static ClaimResult None { get; } = new([]);
}

/// <summary>
/// The SQL of the dispatch loop: claiming due recipients of a running campaign (marked <c>sending</c> with the
/// attempt counted, in the same statement, with <c>FOR UPDATE SKIP LOCKED</c>), completing campaigns, and finding
/// the next retry. Every status move is guarded in SQL, never decided from a value read earlier.
/// </summary>
public static class RecipientClaims
{
    private const string ClaimSql =
        """
        UPDATE campaign_recipients r
        SET status = 'Sending', sending_at = @now, attempts = r.attempts + 1, next_attempt_at = NULL
        WHERE r.id IN (
            SELECT p.id FROM campaign_recipients p
            WHERE p.campaign_id = @campaign AND p.status = 'Pending' AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= @now)
              AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = @campaign AND c.status = 'Running')
            LIMIT @max
            FOR UPDATE OF p SKIP LOCKED)
        RETURNING r.id, r.phone, r.name, r.parameters_json, r.sending_at, r.attempts
        """;

    /// <summary>
    /// Claims up to <paramref name="max"/> due recipients of the campaign, if it is still running. With a limited
    /// portfolio, the count of the 24-hour window and the claim happen under the portfolio's advisory lock, and only
    /// as many new phones are claimed as the limit has left; when none is left, the campaign is paused with the reason.
    /// </summary>
    public static async Task<ClaimResult> ClaimAsync(
        NpgsqlConnection connection, int campaignId, int max, PortfolioLimit? portfolio, PortfolioBudget budget, DateTimeOffset now, CancellationToken ct)
    {
        if (portfolio?.UniqueRecipientsPer24Hours is not { } limit || budget.IsFarFromLimit(portfolio, max, now))
        {
            await using var claim = connection.Command(ClaimSql).With("campaign", campaignId).With("max", max).With("now", now);
            return new ClaimResult(await ReadClaimedAsync(claim, campaignId, ct));
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var portfolioLock = connection.Command("SELECT pg_advisory_xact_lock(@space, @portfolio)", transaction)
            .With("space", PortfolioMessagingLimit.PortfolioLockSpace).With("portfolio", portfolio.PortfolioId))
            await portfolioLock.ExecuteNonQueryAsync(ct);

        var used = await PortfolioMessagingLimit.UsedAsync(connection, transaction, portfolio.PortfolioId, now, ct);
        budget.Counted(used, now);
        var remaining = limit - used;
        if (remaining >= max)
        {
            // Each recipient adds at most one new phone (a run has each phone once): the plain claim fits.
            await using var claim = connection.Command(ClaimSql, transaction).With("campaign", campaignId).With("max", max).With("now", now);
            var claimed = await ReadClaimedAsync(claim, campaignId, ct);
            await transaction.CommitAsync(ct);
            return new ClaimResult(claimed);
        }

        var candidates = new List<(long Id, string Phone)>();
        await using (var select = connection.Command(
            """
            SELECT p.id, p.phone FROM campaign_recipients p
            WHERE p.campaign_id = @campaign AND p.status = 'Pending' AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= @now)
              AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = @campaign AND c.status = 'Running')
            LIMIT @max
            FOR UPDATE OF p SKIP LOCKED
            """, transaction).With("campaign", campaignId).With("max", max).With("now", now))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                candidates.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        if (candidates.Count == 0)
        {
            await transaction.CommitAsync(ct);
            return ClaimResult.None;
        }

        // Phones messaged in the window cost nothing; new ones only while places are left.
        var known = await PortfolioMessagingLimit.AlreadyMessagedAsync(connection, transaction, portfolio.PortfolioId, now, candidates.Select(c => c.Phone).ToList(), ct);
        var newAllowed = Math.Max(0, remaining);
        var chosen = new List<long>();
        foreach (var (id, phone) in candidates)
        {
            if (known.Contains(phone))
                chosen.Add(id);
            else if (newAllowed > 0)
            {
                chosen.Add(id);
                newAllowed--;
            }
        }
        if (chosen.Count == 0)
        {
            var usage = new MessagingLimitUsage(limit, used);
            var reason = $"messaging limit reached: {usage.Describe()}. The business portfolio may not reach more new people " +
                         "until the 24-hour window frees places (or Meta raises its tier); resume the campaign then.";
            await OutcomeWriter.PauseAsync(connection, transaction, campaignId, reason, now);
            await transaction.CommitAsync(ct);
            return new ClaimResult([], reason);
        }

        await using var claimChosen = connection.Command(
            """
            UPDATE campaign_recipients r
            SET status = 'Sending', sending_at = @now, attempts = r.attempts + 1, next_attempt_at = NULL
            WHERE r.id = ANY(@ids) AND r.status = 'Pending'
            RETURNING r.id, r.phone, r.name, r.parameters_json, r.sending_at, r.attempts
            """, transaction).With("ids", chosen.ToArray()).With("now", now);
        var claimedChosen = await ReadClaimedAsync(claimChosen, campaignId, ct);
        await transaction.CommitAsync(ct);
        return new ClaimResult(claimedChosen);
    }

    private static async Task<List<ClaimedRecipient>> ReadClaimedAsync(NpgsqlCommand command, int campaignId, CancellationToken ct)
    {
        var claimed = new List<ClaimedRecipient>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            claimed.Add(new ClaimedRecipient(
                reader.GetInt64(0), campaignId, reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5)));
        }
        return claimed;
    }

    /// <summary>
    /// Running → Completed when nothing of the campaign is pending or sending. The campaign row is locked first and
    /// the recipients checked in a later statement, so the check sees any retry committed while it waited.
    /// </summary>
    public static async Task<bool> TryCompleteAsync(NpgsqlConnection connection, int campaignId, DateTimeOffset now, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var status = connection.Command("SELECT status FROM campaigns WHERE id = @id FOR NO KEY UPDATE", transaction).With("id", campaignId))
        {
            if (await status.ExecuteScalarAsync(ct) is not "Running")
                return false;
        }
        await using (var open = connection.Command(
            "SELECT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = @id AND status IN ('Pending', 'Sending'))", transaction)
            .With("id", campaignId))
        {
            if (await open.ExecuteScalarAsync(ct) is true)
                return false;
        }
        await using (var complete = connection.Command(
            "UPDATE campaigns SET status = 'Completed', completed_at = @now, updated_at = @now WHERE id = @id AND status = 'Running'", transaction)
            .With("id", campaignId).With("now", now))
            await complete.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>When the earliest waiting recipient of these campaigns falls due (<see cref="DateTimeOffset.MinValue"/>:
    /// now); null when none waits.</summary>
    public static async Task<DateTimeOffset?> NextDueAsync(NpgsqlConnection connection, IReadOnlyCollection<int> campaignIds, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            SELECT count(*) FILTER (WHERE next_attempt_at IS NULL) > 0, min(next_attempt_at)
            FROM campaign_recipients WHERE campaign_id = ANY(@ids) AND status = 'Pending'
            """).With("ids", campaignIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.GetBoolean(0))
            return DateTimeOffset.MinValue;
        return reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
    }

    /// <summary>The account's running campaigns, oldest first.</summary>
    public static async Task<List<RunningCampaign>> RunningCampaignsAsync(NpgsqlConnection connection, int accountId, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            SELECT c.id, c.name, t.name, t.language FROM campaigns c
            LEFT JOIN whatsapp_templates t ON t.id = c.template_id
            WHERE c.account_id = @account AND c.status = 'Running'
            ORDER BY c.id
            """).With("account", accountId);
        var campaigns = new List<RunningCampaign>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            campaigns.Add(new RunningCampaign(reader.GetInt32(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return campaigns;
    }

    /// <summary>
    /// Recipients of the account left in <c>sending</c> longer than <paramref name="staleAfter"/> by a dispatcher
    /// that is gone become <c>unknown</c>: the caller holds the account's advisory lock, so no live dispatcher
    /// claimed them except itself (<paramref name="ownClaims"/>). Webhooks may still tell what happened; otherwise
    /// only an explicit "retry unknown" sends them again.
    /// </summary>
    public static async Task<int> MarkStaleSendingUnknownAsync(
        NpgsqlConnection connection, int accountId, IReadOnlyCollection<long> ownClaims, DateTimeOffset now, TimeSpan staleAfter, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            UPDATE campaign_recipients r
            SET status = 'Unknown', error_code = NULL,
                error_message = 'No answer was recorded for this send (the app stopped while it was in flight): it may have been sent. Use "Retry unknown" to send it again.'
            FROM campaigns c
            WHERE c.account_id = @account AND r.campaign_id = c.id AND r.status = 'Sending'
              AND r.sending_at < @threshold AND NOT (r.id = ANY(@own))
            """).With("account", accountId).With("threshold", now - staleAfter).With("own", ownClaims.ToArray());
        return await command.ExecuteNonQueryAsync(ct);
    }
}
