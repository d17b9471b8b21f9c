using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>Sending at the account's throughput, and slowing down when Meta says it is too fast (130429).</summary>
public sealed class ThrottlingTests(ThrottlingTests.Factory app) : IClassFixture<ThrottlingTests.Factory>
{
    private const int SandboxCap = 20;

    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            ["Sandbox:ThroughputPerSecond"] = SandboxCap.ToString(),
            ["Dispatch:MaxAttempts"] = "20",
        };
    }

    [Fact]
    public async Task Sending_at_the_accounts_throughput_never_trips_Metas_cap()
    {
        // Without pacing, 50 sends with no latency would leave at once and most would be refused.
        var account = await app.CreateSandboxAccountAsync(throughput: SandboxCap);
        var phones = DispatchTestData.NewPhones(50);
        var refusedBefore = await app.RejectedAsync(SendDecisions.ThroughputLimitCode);

        var campaignId = await app.StartCampaignAsync(account, phones);
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        // Unpaced, most of the 50 would be refused. Paced, a refusal can only come from a scheduling hiccup of a busy
        // machine (two sends released together after a pause), and is then simply retried.
        (await app.RejectedAsync(SendDecisions.ThroughputLimitCode)).Should().BeLessThanOrEqualTo(refusedBefore + 2);
        var rows = await app.RecipientsAsync(campaignId);
        rows.Should().OnlyContain(r => r.Status == RecipientStatus.Sent);
        rows.Count(r => r.Attempts > 1).Should().BeLessThanOrEqualTo(2);
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted[p] == 1, "a refused send is retried, never doubled");
    }

    [Fact]
    public async Task A_storm_of_130429_answers_slows_the_account_down_and_every_recipient_is_still_sent_once()
    {
        // The account claims 100/s, Meta allows 20/s.
        var account = await app.CreateSandboxAccountAsync(throughput: 100);
        var phones = DispatchTestData.NewPhones(100);
        var refusedBefore = await app.RejectedAsync(SendDecisions.ThroughputLimitCode);

        var campaignId = await app.StartCampaignAsync(account, phones);
        var campaign = await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        campaign.SentCount.Should().Be(100);
        var rows = await app.RecipientsAsync(campaignId);
        rows.Should().OnlyContain(r => r.Status == RecipientStatus.Sent);
        rows.Should().Contain(r => r.Attempts > 1, "some were refused with 130429 and tried again");
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted[p] == 1);
        (await app.RejectedAsync(SendDecisions.ThroughputLimitCode)).Should().BeGreaterThan(refusedBefore);

        var state = app.Services.GetRequiredService<DispatchMonitor>().For(account.AccountId);
        state.Should().NotBeNull();
        state!.SlowDowns.Should().BeGreaterThan(0);
        // How far it halves depends on how fast this machine could send at the time; that it slowed below the
        // account's own throughput is what must hold.
        state.LowestRatePerSecond.Should().BeLessThan(100, "refusals with 130429 lower the sending rate");
        await app.CountersShouldMatchRowsAsync(campaignId);
    }
}
