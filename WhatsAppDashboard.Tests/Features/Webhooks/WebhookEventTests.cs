using System.Net;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Features.Webhooks;
using WhatsAppDashboard.Sandbox;
using WhatsAppDashboard.Tests.Features.Dispatch;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Webhooks;

/// <summary>Webhook events beyond plain statuses (replays, statuses ahead of their message id, STOP replies, Meta's
/// marketing preferences, template status updates), posted signed to a real app whose sandbox webhooks are held back.</summary>
public sealed class WebhookEventTests(WebhookEventTests.Factory app) : IClassFixture<WebhookEventTests.Factory>
{
    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            // A test holds a row in 'sending' on purpose: it must not turn 'unknown' meanwhile.
            ["Dispatch:StaleSendingAfterSeconds"] = "600",
            ["Webhooks:PollIntervalMilliseconds"] = "100",
            // Long enough for a busy machine to get from "kept" to the send result being written.
            ["Webhooks:UnknownMessageRetrySeconds"] = "2",
        };
    }

    [Fact]
    public async Task The_same_batch_replayed_three_times_in_shuffled_order_gives_exact_counters_and_a_poisoned_payload_is_kept_while_the_rest_apply()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var pid = (await app.AccountAsync(sandbox.AccountId)).PhoneNumberId;
        var campaignId = await app.StartCampaignAsync(sandbox, DispatchTestData.NewPhones(6));
        var rows = await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status == RecipientStatus.Sent), "all sent");
        string Status(int row, string status, string errors = "") => WebhookTestData.StatusPayload(pid, rows[row].MessageId!, status, errors: errors);
        List<string> batch =
        [
            Status(0, "sent"), Status(0, "delivered"),
            Status(1, "sent"), Status(1, "delivered"), Status(1, "read"),
            Status(2, "read"),
            Status(3, "failed", ""","errors":[{"code":131026,"title":"Message undeliverable"}]"""),
            Status(4, "sent"),
            Status(5, "delivered"), Status(5, "read"), WebhookTestData.ButtonPayload(pid, rows[5].MessageId!, "Yes please"),
        ];
        var poisoned = Status(4, "delivered").Replace("\"status\":\"delivered\"", "\"status\":[]");
        var replayed = batch.Concat(batch).Concat(batch).Append(poisoned).OrderBy(_ => Random.Shared.Next()).ToList();
        foreach (var body in replayed)
            (await app.PostSignedAsync(body)).StatusCode.Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();

        var after = await app.RecipientsAsync(campaignId);
        after.Select(r => r.Status).Should().Equal(
            RecipientStatus.Delivered, RecipientStatus.Read, RecipientStatus.Read, RecipientStatus.Failed, RecipientStatus.Sent, RecipientStatus.Read);
        after[3].ErrorCode.Should().Be(131026);
        after[5].ButtonClicked.Should().Be("Yes please");
        var campaign = await app.CampaignAsync(campaignId);
        (campaign.SentCount, campaign.DeliveredCount, campaign.ReadCount, campaign.FailedCount, campaign.ButtonClickCount, campaign.RepliedCount)
            .Should().Be((5, 4, 3, 1, 1, 1), "each event counts once however often and in whatever order it arrives");
        await app.CountersShouldMatchRowsAsync(campaignId);
        (await app.ScalarAsync($"SELECT count(*) FROM webhook_inbox WHERE account_id = {sandbox.AccountId} AND processed_at IS NULL AND error IS NOT NULL"))
            .Should().Be(1, "only the poisoned payload is kept, with its error");
    }

    [Fact]
    public async Task A_status_for_a_message_id_not_stored_yet_is_kept_and_applied_once_the_send_result_is_written()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var pid = (await app.AccountAsync(sandbox.AccountId)).PhoneNumberId;
        var campaignId = await app.StartCampaignAsync(sandbox, DispatchTestData.NewPhones(2));
        var rows = await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status == RecipientStatus.Sent), "all sent");
        // Meta answered the send, but the dispatcher has not written the wamid yet: the row is still 'sending' and the
        // campaign still running.
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);
        await app.ExecuteAsync(
            """
            UPDATE campaign_recipients SET status = 'Sending', message_id = NULL, sending_at = now() WHERE id = @id;
            UPDATE campaigns SET sent_count = sent_count - 1, status = 'Running', completed_at = NULL WHERE id = @campaign
            """, ("id", rows[0].Id), ("campaign", campaignId));
        var wamid = "wamid.ahead-" + Guid.NewGuid().ToString("N");

        (await app.PostSignedAsync(WebhookTestData.StatusPayload(pid, wamid, "delivered"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await WaitForAsync(async () => await app.ScalarAsync(
            $"SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL AND error LIKE 'Waiting for message id(s) {wamid}%'") > 0, "the status kept back");
        (await app.RecipientsAsync(campaignId))[0].Status.Should().Be(RecipientStatus.Sending);

        // The dispatcher writes the send result.
        await app.ExecuteAsync(
            """
            UPDATE campaign_recipients SET status = 'Sent', message_id = @wamid, sent_at = now() WHERE id = @id;
            UPDATE campaigns SET sent_count = sent_count + 1 WHERE id = @campaign
            """, ("id", rows[0].Id), ("campaign", campaignId), ("wamid", wamid));
        var after = await app.WaitForRecipientsAsync(campaignId, r => r[0].Status == RecipientStatus.Delivered, "the kept status applied");
        after[0].DeliveredAt.Should().NotBeNull();
        (await app.CampaignAsync(campaignId)).DeliveredCount.Should().Be(1);
        await app.CountersShouldMatchRowsAsync(campaignId);

        // With nothing in flight, a status for a message this app never sent is simply ignored, not kept.
        (await app.PostSignedAsync(WebhookTestData.StatusPayload(pid, "wamid.foreign-" + Guid.NewGuid().ToString("N"), "delivered"))).StatusCode
            .Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();
        (await app.ScalarAsync($"SELECT count(*) FROM webhook_inbox WHERE account_id = {sandbox.AccountId} AND processed_at IS NULL")).Should().Be(0);
    }

    [Fact]
    public async Task A_STOP_reply_in_any_configured_language_opts_the_contact_out_audited_and_the_next_campaign_skips_them()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var pid = (await app.AccountAsync(sandbox.AccountId)).PhoneNumberId;
        var phones = DispatchTestData.NewPhones(3);
        var first = await app.StartCampaignAsync(sandbox, phones);
        await app.WaitForRecipientsAsync(first, r => r.All(x => x.Status == RecipientStatus.Sent), "all sent");

        (await app.PostSignedAsync(TextReply(pid, phones[0], " arrêt! "))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.PostSignedAsync(TextReply(pid, phones[1], "Stop sending me the wrong size please"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();

        (await app.ScalarAsync($"SELECT count(*) FROM contacts WHERE phone = '{phones[0]}' AND is_opted_out")).Should().Be(1);
        (await app.ScalarAsync($"SELECT count(*) FROM contacts WHERE phone = '{phones[1]}' AND is_opted_out")).Should().Be(0, "a sentence is not a keyword");
        (await app.ScalarAsync($"SELECT count(*) FROM audit_entries WHERE action = 'contacts.optout' AND target = '{phones[0]}' AND details LIKE '%arrêt%'"))
            .Should().Be(1);

        var second = await app.StartCampaignAsync(sandbox, phones);
        var rows = await app.WaitForRecipientsAsync(second, r => r.Count(x => x.Status == RecipientStatus.Sent) == 2, "the others sent");
        var stopped = rows.Single(r => r.Phone == phones[0]);
        stopped.Status.Should().Be(RecipientStatus.Skipped);
        stopped.ErrorMessage.Should().Be(CampaignStarter.OptedOutReason);
        stopped.MessageId.Should().BeNull("nothing was sent to them");
    }

    [Fact]
    public async Task Metas_marketing_preference_event_opts_the_contact_out_and_back_in_audited()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var pid = (await app.AccountAsync(sandbox.AccountId)).PhoneNumberId;
        var phone = SandboxAppFactory.NewRecipient();

        (await app.PostSignedAsync(Preference(pid, phone, "stop"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();
        (await app.ScalarAsync($"SELECT count(*) FROM contacts WHERE phone = '{phone}' AND is_opted_out AND opted_out_at IS NOT NULL")).Should().Be(1);

        (await app.PostSignedAsync(Preference(pid, phone, "resume"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();
        (await app.ScalarAsync($"SELECT count(*) FROM contacts WHERE phone = '{phone}' AND NOT is_opted_out")).Should().Be(1);
        (await app.ScalarAsync($"SELECT count(*) FROM audit_entries WHERE target = '{phone}' AND action IN ('contacts.optout', 'contacts.optin')"))
            .Should().Be(2);
    }

    [Fact]
    public async Task A_template_status_update_changes_the_template_audited_and_a_paused_template_cannot_start_a_campaign()
    {
        var sandbox = await app.CreateSandboxAccountAsync();
        var template = await app.TemplateAsync(sandbox.TemplateId);

        (await app.PostSignedAsync(TemplateStatus($"\"{template.MetaTemplateId}\"", "welcome_offer", "en_US", "PAUSED"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();
        (await app.TemplateAsync(sandbox.TemplateId)).Status.Should().Be("PAUSED");
        (await app.ScalarAsync(
            $"SELECT count(*) FROM audit_entries WHERE action = 'templates.status' AND target = 'welcome_offer (en_US)' AND details LIKE 'APPROVED -> PAUSED%'"))
            .Should().BeGreaterThan(0);

        var campaignId = await app.CreateCampaignAsync(sandbox);
        var start = await app.StartAsync(campaignId, DispatchTestData.Audience(DispatchTestData.NewPhones(1)));
        start.Outcome.Should().NotBe(StartOutcome.Started, "only approved templates are sent");

        (await app.PostSignedAsync(TemplateStatus($"\"{template.MetaTemplateId}\"", "welcome_offer", "en_US", "APPROVED"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await app.InboxAppliedAsync();
        (await app.TemplateAsync(sandbox.TemplateId)).Status.Should().Be(WhatsAppTemplate.Approved);
    }

    [Fact]
    public async Task A_template_paused_by_Meta_pauses_the_running_campaigns_that_use_it_with_the_reason()
    {
        var sandbox = await app.CreateSandboxAccountAsync(throughput: 1);
        var template = await app.TemplateAsync(sandbox.TemplateId);
        var campaignId = await app.StartCampaignAsync(sandbox, DispatchTestData.NewPhones(40));
        await app.WaitForRecipientsAsync(campaignId, r => r.Any(x => x.Status == RecipientStatus.Sent), "the first message sent");

        (await app.PostSignedAsync(TemplateStatus($"\"{template.MetaTemplateId}\"", template.Name, template.Language, "DISABLED"))).StatusCode
            .Should().Be(HttpStatusCode.OK);
        var paused = await app.WaitForStatusAsync(campaignId, CampaignStatus.Paused, CampaignStatus.Completed);

        paused.Status.Should().Be(CampaignStatus.Paused, "a run at one message a second cannot have finished 40 messages yet");
        paused.LastError.Should().Contain("DISABLED").And.Contain(template.Name);
        (await app.RecipientsAsync(campaignId)).Should().Contain(r => r.Status == RecipientStatus.Pending, "nothing more is sent");
        (await app.ScalarAsync($"SELECT count(*) FROM audit_entries WHERE action = 'campaigns.pause' AND target LIKE '#{campaignId} %'")).Should().Be(1);
    }

    [Fact]
    public void The_stop_keywords_are_configurable_and_default_to_several_languages()
    {
        var defaults = new WebhookOptions().EffectiveStopKeywords();
        defaults.Should().Contain(["STOP", "UNSUBSCRIBE", "CANCEL", "ARRET", "ARRÊT", "PARAR", "BAJA", "STOPP"]);
        defaults.Contains("arrêt").Should().BeTrue("the match ignores case");

        var configured = new WebhookOptions { StopKeywords = ["Desabonner", " fin "] }.EffectiveStopKeywords();
        configured.Should().BeEquivalentTo(["Desabonner", "fin"]);
        configured.Contains("FIN").Should().BeTrue();
        configured.Contains("STOP").Should().BeFalse("a configured list replaces the defaults");
    }

    /// <summary>Polls a condition; the generous limit only keeps a broken run from hanging.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Never got to: " + what);
            await Task.Delay(50);
        }
    }

    private static string TextReply(string phoneNumberId, string from, string body) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{\"field\":\"messages\",\"value\":{" +
        "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"12025550100\",\"phone_number_id\":\"" + phoneNumberId + "\"}," +
        "\"messages\":[{\"from\":\"" + from.TrimStart('+') + "\",\"id\":\"wamid.in" + Guid.NewGuid().ToString("N") + "\",\"timestamp\":\"1790000000\"," +
        "\"type\":\"text\",\"text\":{\"body\":\"" + body + "\"}}]}}]}]}";

    private static string Preference(string phoneNumberId, string phone, string value) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{\"field\":\"user_preferences\",\"value\":{" +
        "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"12025550100\",\"phone_number_id\":\"" + phoneNumberId + "\"}," +
        "\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"" + phone.TrimStart('+') + "\"}]," +
        "\"user_preferences\":[{\"wa_id\":\"" + phone.TrimStart('+') + "\",\"detail\":\"User requested to stop marketing messages\"," +
        "\"category\":\"marketing_messages\",\"value\":\"" + value + "\",\"timestamp\":1790000000}]}}]}]}";

    private static string TemplateStatus(string templateIdJson, string name, string language, string status) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"" + SandboxAppFactory.WabaId + "\",\"time\":1790000000,\"changes\":[{" +
        "\"field\":\"message_template_status_update\",\"value\":{\"event\":\"" + status + "\",\"message_template_id\":" + templateIdJson + "," +
        "\"message_template_name\":\"" + name + "\",\"message_template_language\":\"" + language + "\",\"reason\":\"NONE\"}}]}]}";
}
