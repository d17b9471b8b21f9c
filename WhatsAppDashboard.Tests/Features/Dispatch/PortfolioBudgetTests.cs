using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>When the dispatcher may skip counting the 24-hour window exactly.</summary>
public sealed class PortfolioBudgetTests
{
    private static readonly DateTimeOffset Counted = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Counting_is_skipped_only_while_the_portfolios_numbers_together_could_not_have_reached_the_limit()
    {
        var portfolio = new PortfolioLimit(1, UniqueRecipientsPer24Hours: 10_000, PortfolioThroughput: 1000);
        var budget = new PortfolioBudget();
        budget.IsFarFromLimit(portfolio, 250, Counted).Should().BeFalse("nothing is known before the first count");

        budget.Counted(used: 2_000, Counted);
        // 8,000 places left; at most 1,000 a second can go, plus a second's worth claimed around the count.
        budget.IsFarFromLimit(portfolio, 250, Counted.AddSeconds(6)).Should().BeTrue();
        budget.IsFarFromLimit(portfolio, 250, Counted.AddSeconds(6.8)).Should().BeFalse();
        budget.IsFarFromLimit(portfolio with { UniqueRecipientsPer24Hours = null }, 250, Counted).Should().BeFalse("an unlimited portfolio has no budget: its claims never count");
    }
}
