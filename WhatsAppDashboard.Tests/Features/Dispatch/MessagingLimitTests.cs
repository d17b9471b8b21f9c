using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>The business portfolio's 24-hour limit of unique users pauses a run instead of collecting errors.</summary>
public sealed class MessagingLimitTests(DispatchAppFactory app) : IClassFixture<DispatchAppFactory>
{
    [Fact]
    public async Task A_run_that_reaches_the_portfolios_limit_pauses_with_the_reason_after_exactly_the_limit()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: 1000, tier: MessagingLimitTier.Tier250);
        var phones = DispatchTestData.NewPhones(300);

        var campaignId = await app.StartCampaignAsync(account, phones);
        var paused = await app.WaitForStatusAsync(campaignId, CampaignStatus.Paused);

        paused.LastError.Should().StartWith("messaging limit reached: 250 of 250 unique users in 24 h");
        var rows = await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status != RecipientStatus.Sending), "nothing in flight");
        rows.Count(r => r.Status == RecipientStatus.Sent).Should().Be(250);
        rows.Count(r => r.Status == RecipientStatus.Pending).Should().Be(50);
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Count(accepted.ContainsKey).Should().Be(250, "the sandbox saw exactly the limit, no refused sends");
        await app.CountersShouldMatchRowsAsync(campaignId);
        (await app.Services.GetRequiredService<PortfolioMessagingLimit>().RemainingAsync(account.PortfolioId)).Should().Be(0);

        // People already reached in the window cost nothing: a second campaign to some of them still goes out,
        // from another number of the same portfolio too, while a new person waits.
        var sibling = await app.CreateSandboxAccountAsync(portfolioId: account.PortfolioId);
        var reached = rows.Where(r => r.Status == RecipientStatus.Sent).Take(10).Select(r => r.Phone).ToList();
        var newcomer = DispatchTestData.NewPhones(1);
        var followUp = await app.StartCampaignAsync(sibling, reached.Concat(newcomer));
        var followUpPaused = await app.WaitForStatusAsync(followUp, CampaignStatus.Paused);
        followUpPaused.LastError.Should().StartWith("messaging limit reached: 250 of 250");
        var followUpRows = await app.WaitForRecipientsAsync(followUp, r => r.All(x => x.Status != RecipientStatus.Sending), "nothing in flight");
        followUpRows.Where(r => reached.Contains(r.Phone)).Should().OnlyContain(r => r.Status == RecipientStatus.Sent);
        followUpRows.Single(r => r.Phone == newcomer[0]).Status.Should().Be(RecipientStatus.Pending);

        // Resuming while the window is still full pauses again at once, with the same reason, and sends nothing.
        var resume = await app.ControlAsync(c => c.ResumeAsync(campaignId, "tester"));
        resume.Succeeded.Should().BeTrue();
        (await app.WaitForStatusAsync(campaignId, CampaignStatus.Paused)).LastError.Should().StartWith("messaging limit reached");
        (await app.AcceptedByPhoneAsync()).Keys.Intersect(phones).Should().HaveCount(250);
    }
}
