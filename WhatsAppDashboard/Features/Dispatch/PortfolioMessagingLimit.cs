using Npgsql;
using WhatsAppDashboard.Features.Accounts;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>A business portfolio's 24-hour messaging limit and how much of it is used.</summary>
/// <param name="Limit">Unique users per rolling 24 hours; null when unlimited.</param>
/// <param name="Used">Unique phones messaged by any of the portfolio's numbers in the last 24 hours (sends in flight included).</param>
public sealed record MessagingLimitUsage(int? Limit, int Used)
{
    /// <summary>New unique users that may still be messaged now; null when unlimited.</summary>
    public int? Remaining => Limit is { } limit ? Math.Max(0, limit - Used) : null;

    public string Describe() => $"{Used:N0} of {Limit:N0} unique users in 24 h";
}

/// <summary>
/// Meta caps the unique users a business portfolio may start conversations with per rolling 24 hours, shared by
/// all its numbers. This counts them from our own recipient rows: distinct phones with <c>sent_at</c> in the last
/// 24 hours, plus those in flight or unknown (they may well have been sent). A phone messaged in the window does not
/// count twice. The dispatcher checks it before every claim, under a per-portfolio advisory lock, so two accounts
/// of one portfolio cannot both spend the last places.
/// </summary>
public sealed class PortfolioMessagingLimit(DispatchDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>Advisory-lock namespace (first key) for portfolios; the second key is the portfolio id.</summary>
    public const int PortfolioLockSpace = 0x57414450; // "WADP"

    /// <summary>New unique users the portfolio may still reach now; null when its tier is unlimited (or unknown).</summary>
    public async Task<int?> RemainingAsync(int portfolioId, CancellationToken ct = default) => (await UsageAsync(portfolioId, ct))?.Remaining;

    /// <summary>The portfolio's limit and use; null when the portfolio does not exist.</summary>
    public async Task<MessagingLimitUsage?> UsageAsync(int portfolioId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tier = connection.Command("SELECT messaging_limit_tier FROM business_portfolios WHERE id = @id").With("id", portfolioId);
        if (await tier.ExecuteScalarAsync(ct) is not string tierName || !Enum.TryParse<MessagingLimitTier>(tierName, out var parsed))
            return null;
        var limit = parsed.UniqueRecipientsPer24Hours();
        return new MessagingLimitUsage(limit, limit is null ? 0 : await UsedAsync(connection, null, portfolioId, clock.GetUtcNow(), ct));
    }

    /// <summary>Distinct phones messaged by the portfolio's numbers in the 24 hours before <paramref name="now"/>.</summary>
    internal static async Task<int> UsedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int portfolioId, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = connection.Command(
            $"""
            SELECT count(*)::int FROM ({WindowPhonesSql}) w
            """, transaction)
            .With("portfolio", portfolioId).With("since", now - Window);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Of <paramref name="phones"/>, those already messaged by the portfolio in the window (they cost nothing).</summary>
    internal static async Task<HashSet<string>> AlreadyMessagedAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, int portfolioId, DateTimeOffset now, IReadOnlyCollection<string> phones, CancellationToken ct)
    {
        await using var command = connection.Command(
            $"""
            SELECT w.phone FROM ({WindowPhonesSql}) w WHERE w.phone = ANY(@phones)
            """, transaction)
            .With("portfolio", portfolioId).With("since", now - Window).With("phones", phones.ToArray());
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            known.Add(reader.GetString(0));
        return known;
    }

    /// <summary>The phones of the window: sent in it, or claimed in it and not known to have failed. Two branches, so
    /// each can use its index (sent_at; campaign and status).</summary>
    private const string WindowPhonesSql =
        """
        SELECT r.phone FROM campaign_recipients r
        JOIN campaigns c ON c.id = r.campaign_id
        JOIN whatsapp_accounts a ON a.id = c.account_id
        WHERE a.business_portfolio_id = @portfolio AND r.sent_at >= @since
        UNION
        SELECT r.phone FROM campaign_recipients r
        JOIN campaigns c ON c.id = r.campaign_id
        JOIN whatsapp_accounts a ON a.id = c.account_id
        WHERE a.business_portfolio_id = @portfolio AND r.status IN ('Sending', 'Unknown') AND r.sending_at >= @since
        """;
}
