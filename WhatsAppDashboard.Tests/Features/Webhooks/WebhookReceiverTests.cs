using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Webhooks;

/// <summary>The receiving side against a real dispatcher run whose sandbox webhooks are held back, so only the
/// webhooks a test posts itself reach the app.</summary>
public sealed class WebhookReceiverTests(DispatchAppFactory app) : IClassFixture<DispatchAppFactory>
{
    [Fact]
    public async Task The_subscription_handshake_echoes_the_challenge_only_for_a_known_verify_token()
    {
        var account = await app.AccountAsync((await app.CreateSandboxAccountAsync()).AccountId);
        using var client = app.CreateHttpClient();

        var ok = await client.GetAsync($"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={account.WebhookVerifyToken}&hub.challenge=1158201444");
        ok.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ok.Content.ReadAsStringAsync()).Should().Be("1158201444");
        ok.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");

        (await client.GetAsync("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.GetAsync($"/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token={account.WebhookVerifyToken}&hub.challenge=1"))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.GetAsync("/webhooks/whatsapp")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_webhook_without_a_valid_signature_or_for_an_unknown_number_is_refused_and_not_stored()
    {
        var account = await app.AccountAsync((await app.CreateSandboxAccountAsync()).AccountId);
        var before = await app.ScalarAsync("SELECT count(*) FROM webhook_inbox");
        var body = WebhookTestData.StatusPayload(account.PhoneNumberId, "wamid.x", "delivered");

        (await app.PostWebhookAsync(body, null)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await app.PostWebhookAsync(body, "sha256=" + new string('0', 64))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await app.PostWebhookAsync(body, "garbage")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await app.PostSignedAsync(body, "another-app-secret")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await app.PostSignedAsync(WebhookTestData.StatusPayload("999999", "wamid.x", "delivered"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await app.PostSignedAsync(body + new string(' ', 1024 * 1024))).StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);

        (await app.ScalarAsync("SELECT count(*) FROM webhook_inbox")).Should().Be(before, "nothing unauthenticated is stored");
    }

    [Fact]
    public async Task Once_the_app_secret_is_replaced_webhooks_signed_with_the_old_one_are_refused_at_once()
    {
        var account = await app.AccountAsync((await app.CreateSandboxAccountAsync()).AccountId);
        var body = WebhookTestData.StatusPayload(account.PhoneNumberId, "wamid.rotation", "delivered");
        // Accepted, so the receiver now remembers which account signs for this number.
        (await app.PostSignedAsync(body)).StatusCode.Should().Be(HttpStatusCode.OK);

        using (var scope = app.Services.CreateScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<AccountAdministration>();
            var details = await accounts.FindAsync(account.Id);
            details!.Input.AppSecret = "the-replacement-app-secret";
            (await accounts.UpdateAsync(account.Id, details.Input, "admin@example.com")).Succeeded.Should().BeTrue();
        }

        (await app.PostSignedAsync(body)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the old secret no longer signs for this number");
        (await app.PostSignedAsync(body, "the-replacement-app-secret")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_signed_webhook_with_an_escaped_nul_is_stored_and_applied_and_one_with_half_a_surrogate_pair_is_refused()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var account = await app.AccountAsync(sandbox.AccountId);
        var campaignId = await app.StartCampaignAsync(sandbox, DispatchTestData.NewPhones(1));
        var row = (await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status == RecipientStatus.Sent), "sent")).Single();
        var lastId = await app.ScalarAsync("SELECT coalesce(max(id), 0) FROM webhook_inbox");

        // PostgreSQL's jsonb refuses \u0000: the receiver used to answer 500, so Meta would have retried it forever.
        var withNul = WebhookTestData.StatusPayload(account.PhoneNumberId, row.MessageId!, "delivered")
            .Replace("\"recipient_id\"", "\"conversation\":{\"id\":\"a\\u0000b\"},\"recipient_id\"");
        (await app.PostSignedAsync(withNul)).StatusCode.Should().Be(HttpStatusCode.OK);
        var halfEmoji = WebhookTestData.StatusPayload(account.PhoneNumberId, row.MessageId!, "read").Replace("\"read\"", "\"read\\ud83d\"");
        (await app.PostSignedAsync(halfEmoji)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await app.InboxAppliedAsync();

        (await app.ScalarAsync($"SELECT count(*) FROM webhook_inbox WHERE id > {lastId}")).Should().Be(1, "only the storable one is kept");
        (await app.ScalarAsync($"SELECT count(*) FROM webhook_inbox WHERE id > {lastId} AND error IS NOT NULL")).Should().Be(0);
        (await app.RecipientsAsync(campaignId)).Single().Status.Should().Be(RecipientStatus.Delivered);
        await app.CountersShouldMatchRowsAsync(campaignId);
    }

    [Fact]
    public async Task Statuses_only_move_forward_and_duplicates_never_count_twice()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var account = await app.AccountAsync(sandbox.AccountId);
        var campaignId = await app.StartCampaignAsync(sandbox, DispatchTestData.NewPhones(5));
        var rows = await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status == RecipientStatus.Sent), "all sent");
        var (twice, readFirst, readThenLate, failing, stale) = (rows[0], rows[1], rows[2], rows[3], rows[4]);
        // A recipient whose send outcome was lost: no wamid stored, only the callback data can find it.
        await app.ExecuteAsync(
            """
            UPDATE campaign_recipients SET status = 'Unknown', message_id = NULL WHERE id = @id;
            UPDATE campaigns SET sent_count = sent_count - 1 WHERE id = @campaign
            """, ("id", stale.Id), ("campaign", campaignId));
        var pid = account.PhoneNumberId;

        async Task Post(string body) => (await app.PostSignedAsync(body)).StatusCode.Should().Be(HttpStatusCode.OK);
        await Post(WebhookTestData.StatusPayload(pid, twice.MessageId!, "delivered"));
        await Post(WebhookTestData.StatusPayload(pid, twice.MessageId!, "delivered"));
        await Post(WebhookTestData.StatusPayload(pid, twice.MessageId!, "sent"));
        await Post(WebhookTestData.StatusPayload(pid, readFirst.MessageId!, "read"));
        await Post(WebhookTestData.StatusPayload(pid, readFirst.MessageId!, "delivered"));
        await Post(WebhookTestData.StatusPayload(pid, readThenLate.MessageId!, "delivered"));
        await Post(WebhookTestData.StatusPayload(pid, readThenLate.MessageId!, "read"));
        await Post(WebhookTestData.StatusPayload(pid, readThenLate.MessageId!, "read"));
        await Post(WebhookTestData.StatusPayload(pid, readThenLate.MessageId!, "failed",
            errors: ""","errors":[{"code":131026,"title":"Message undeliverable"}]"""));
        await Post(WebhookTestData.StatusPayload(pid, failing.MessageId!, "failed",
            errors: ""","errors":[{"code":131049,"title":"Not delivered to maintain healthy ecosystem engagement"}]"""));
        await Post(WebhookTestData.StatusPayload(pid, failing.MessageId!, "delivered"));
        await Post(WebhookTestData.StatusPayload(pid, "wamid.late-" + stale.Id, "delivered", recipientId: stale.Id));
        await app.InboxAppliedAsync();

        var after = (await app.RecipientsAsync(campaignId)).ToDictionary(r => r.Id);
        after[twice.Id].Status.Should().Be(RecipientStatus.Delivered);
        after[readFirst.Id].Status.Should().Be(RecipientStatus.Read);
        after[readFirst.Id].DeliveredAt.Should().NotBeNull("read implies delivered");
        after[readThenLate.Id].Status.Should().Be(RecipientStatus.Read, "a failure after read does not undo it");
        after[failing.Id].Status.Should().Be(RecipientStatus.Failed);
        after[failing.Id].ErrorCode.Should().Be(131049);
        after[failing.Id].ErrorMessage.Should().Be("Not delivered to maintain healthy ecosystem engagement");
        after[failing.Id].FailedAt.Should().NotBeNull();
        after[stale.Id].Status.Should().Be(RecipientStatus.Delivered);
        after[stale.Id].MessageId.Should().Be("wamid.late-" + stale.Id);

        var campaign = await app.CampaignAsync(campaignId);
        (campaign.SentCount, campaign.DeliveredCount, campaign.ReadCount, campaign.FailedCount).Should().Be((4, 4, 2, 1));
        await app.CountersShouldMatchRowsAsync(campaignId);
        (await app.ScalarAsync($"SELECT count(*) FROM webhook_inbox WHERE account_id = {sandbox.AccountId} AND error IS NOT NULL")).Should().Be(0);
    }

    [Fact]
    public async Task A_button_reply_is_recorded_once_and_a_payload_that_cannot_be_applied_is_kept_with_its_error()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var account = await app.AccountAsync(sandbox.AccountId);
        var campaignId = await app.StartCampaignAsync(sandbox, DispatchTestData.NewPhones(1));
        var row = (await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status == RecipientStatus.Sent), "sent"))[0];

        (await app.PostSignedAsync(WebhookTestData.ButtonPayload(account.PhoneNumberId, row.MessageId!, "Yes please"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.PostSignedAsync(WebhookTestData.ButtonPayload(account.PhoneNumberId, row.MessageId!, "Yes please"))).StatusCode.Should().Be(HttpStatusCode.OK);
        var broken = WebhookTestData.StatusPayload(account.PhoneNumberId, row.MessageId!, "delivered").Replace("\"status\":\"delivered\"", "\"status\":7");
        (await app.PostSignedAsync(broken)).StatusCode.Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();

        var after = (await app.RecipientsAsync(campaignId)).Single();
        after.ButtonClicked.Should().Be("Yes please");
        after.ButtonPayload.Should().Be("Yes please-payload");
        after.RepliedAt.Should().NotBeNull();
        var campaign = await app.CampaignAsync(campaignId);
        (campaign.ButtonClickCount, campaign.RepliedCount).Should().Be((1, 1));
        (await app.ScalarAsync($"SELECT count(*) FROM webhook_inbox WHERE account_id = {sandbox.AccountId} AND processed_at IS NULL AND error LIKE '%no name%'"))
            .Should().Be(1, "a webhook that cannot be applied is kept with its error");
    }
}
