using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>A portfolio's 24-hour messaging limit and how much of it is used; <see cref="Limit"/> null means unlimited.</summary>
public sealed record MessagingLimitStatus(string PortfolioName, MessagingLimitTier Tier, int? Limit, int UsedLast24Hours)
{
    /// <summary>Unique users the portfolio may still start conversations with; null when unlimited.</summary>
    public int? Remaining => Limit is { } limit ? Math.Max(0, limit - UsedLast24Hours) : null;
}

/// <summary>
/// What a business portfolio's rolling 24-hour messaging limit has left. Meta counts unique users the portfolio's
/// numbers started conversations with over the trailing 24 hours, shared by all its numbers.
/// The count of what is used is the dispatcher's own (<see cref="PortfolioMessagingLimit"/>), so the review step warns
/// with the same number the run will pause on.
/// </summary>
public sealed class MessagingLimitBudget(AppDbContext db, PortfolioMessagingLimit limits)
{
    /// <summary>The portfolio's limit and what is left of it, or null when the portfolio does not exist.</summary>
    public async Task<MessagingLimitStatus?> RemainingAsync(int portfolioId, CancellationToken ct = default)
    {
        var portfolio = await db.BusinessPortfolios.AsNoTracking()
            .Where(p => p.Id == portfolioId)
            .Select(p => new { p.Name, p.MessagingLimitTier })
            .FirstOrDefaultAsync(ct);
        if (portfolio is null)
            return null;
        var used = (await limits.UsageAsync(portfolioId, ct))?.Used ?? 0;
        return new MessagingLimitStatus(portfolio.Name, portfolio.MessagingLimitTier, portfolio.MessagingLimitTier.UniqueRecipientsPer24Hours(), used);
    }
}
