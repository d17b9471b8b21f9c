using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Webhooks;

/// <summary>The dispatcher sends through the sandbox, whose signed status webhooks come back to this app quickly.</summary>
public sealed class WebhookEndToEndTests(WebhookEndToEndTests.Factory app) : IClassFixture<WebhookEndToEndTests.Factory>
{
    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            ["Sandbox:SentDelay:MeanMs"] = "0",
            ["Sandbox:DeliveredProbability"] = "0.8",
            ["Sandbox:ReadProbability"] = "0.5",
            ["Sandbox:ReadWithoutDeliveredProbability"] = "0.2",
            ["Sandbox:WebhookAttempts"] = "3",
            ["Webhooks:PollIntervalMilliseconds"] = "100",
        };
    }

    [Fact]
    public async Task A_campaign_sent_through_the_sandbox_ends_with_delivered_and_read_counters_equal_to_its_rows()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var campaignId = await app.StartCampaignAsync(sandbox, DispatchTestData.NewPhones(30));
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        // Deliveries and reads follow each send by about 20 ms; the pause lets the last of them arrive before the check.
        var rows = await app.WaitForRecipientsAsync(campaignId,
            r => r.Count(x => x.Status is RecipientStatus.Delivered or RecipientStatus.Read) >= 15 && r.Any(x => x.Status == RecipientStatus.Read),
            "statuses applied");
        await Task.Delay(1000);
        await app.InboxAppliedAsync();

        rows = await app.RecipientsAsync(campaignId);
        var campaign = await app.CampaignAsync(campaignId);
        campaign.DeliveredCount.Should().Be(rows.Count(r => r.Status is RecipientStatus.Delivered or RecipientStatus.Read));
        campaign.ReadCount.Should().Be(rows.Count(r => r.Status == RecipientStatus.Read));
        rows.Where(r => r.Status == RecipientStatus.Read).Should().OnlyContain(r => r.DeliveredAt != null && r.ReadAt != null);
        await app.CountersShouldMatchRowsAsync(campaignId);
    }
}
