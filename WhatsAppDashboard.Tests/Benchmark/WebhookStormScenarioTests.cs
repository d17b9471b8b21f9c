using System.Net;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Dispatch;
using WhatsAppDashboard.Tests.Features.Webhooks;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Benchmark;

/// <summary>
/// <c>bench --scenario webhook-storm</c>, scaled down: after a run, every status of every message arrives three times,
/// shuffled, several at once, with copies under a wrong signature mixed in (a read often arrives before its delivered).
/// The sandbox sends no webhooks of its own here, so every status comes from the storm.
/// </summary>
public sealed class WebhookStormScenarioTests(WebhookStormScenarioTests.Factory app) : IClassFixture<WebhookStormScenarioTests.Factory>
{
    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            ["Webhooks:PollIntervalMilliseconds"] = "100",
            // A slow answer on a busy machine must not be taken for a lost one: every message needs its wamid here.
            ["CloudApi:TimeoutSeconds"] = "15",
            ["Dispatch:StaleSendingAfterSeconds"] = "30",
        };
    }

    [Fact]
    public async Task Statuses_delivered_three_times_shuffled_with_forged_copies_give_exact_counters_and_every_forgery_is_refused()
    {
        var account = await app.CreateSandboxAccountAsync();
        var phoneNumberId = (await app.AccountAsync(account.AccountId)).PhoneNumberId;
        var campaignId = await app.StartCampaignAsync(account, DispatchTestData.NewPhones(80));
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);
        var sent = await app.RecipientsAsync(campaignId);
        sent.Should().OnlyContain(r => r.Status == RecipientStatus.Sent && r.MessageId != null);
        var inboxBefore = await app.ScalarAsync("SELECT count(*) FROM webhook_inbox");

        var random = new Random(8);
        var events = sent.SelectMany(r => new[]
        {
            WebhookTestData.StatusPayload(phoneNumberId, r.MessageId!, "delivered", r.Id, 1_790_000_100),
            WebhookTestData.StatusPayload(phoneNumberId, r.MessageId!, "read", r.Id, 1_790_000_200),
        }).ToList();
        var posts = events.SelectMany(body => Enumerable.Repeat((Body: body, Valid: true), 3))
            .Concat(events.Where(_ => random.Next(5) == 0).Select(body => (Body: body, Valid: false)))
            .ToArray();
        random.Shuffle(posts);

        var answers = new (HttpStatusCode Status, bool Valid)[posts.Length];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < posts.Length)
            {
                using var response = posts[i].Valid
                    ? await app.PostSignedAsync(posts[i].Body)
                    : await app.PostSignedAsync(posts[i].Body, SandboxAppFactory.AppSecret + "-forged");
                answers[i] = (response.StatusCode, posts[i].Valid);
            }
        }));
        await app.InboxAppliedAsync();

        answers.Where(a => !a.Valid).Should().NotBeEmpty().And.OnlyContain(a => a.Status == HttpStatusCode.Unauthorized, "a forged signature is refused");
        answers.Where(a => a.Valid).Should().OnlyContain(a => a.Status == HttpStatusCode.OK);
        (await app.ScalarAsync("SELECT count(*) FROM webhook_inbox") - inboxBefore).Should().Be(answers.Count(a => a.Valid), "forged posts are never stored");
        (await app.ScalarAsync("SELECT count(*) FROM webhook_inbox WHERE error IS NOT NULL")).Should().Be(0);

        var rows = await app.RecipientsAsync(campaignId);
        rows.Should().OnlyContain(r => r.Status == RecipientStatus.Read && r.DeliveredAt != null && r.ReadAt != null,
            "statuses only move forward, and a read implies delivered whatever the order");
        var campaign = await app.CampaignAsync(campaignId);
        (campaign.SentCount, campaign.DeliveredCount, campaign.ReadCount, campaign.FailedCount).Should().Be((80, 80, 80, 0),
            "three copies of each status count once");
        await app.CountersShouldMatchRowsAsync(campaignId);
    }
}
