using System.Net;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>
/// Pause, resume and cancel in the middle of a run, at a throughput slow enough (40/s) to act mid-run. "Within a
/// second" is asserted as behaviour: once paused, at most the claim being handed out and the one claimed ahead
/// (a quarter second of sending each) plus the requests in flight still go out, then nothing.
/// </summary>
public sealed class CampaignControlTests(CampaignControlTests.Factory app) : IClassFixture<CampaignControlTests.Factory>
{
    private const int Throughput = 40;
    /// <summary>Two quarter seconds of sending at <see cref="Throughput"/>, plus the minimum of four requests in flight.</summary>
    private const int MostSendsAfterPause = 2 * (Throughput / 4) + 4;

    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            ["Sandbox:Latency:MeanMs"] = "3",
            ["Sandbox:Latency:JitterMs"] = "2",
        };
    }

    private async Task<int> AcceptedAmongAsync(IEnumerable<string> phones)
    {
        var accepted = await app.AcceptedByPhoneAsync();
        return phones.Sum(p => accepted.GetValueOrDefault(p));
    }

    [Fact]
    public async Task Pause_stops_sending_within_a_claim_and_resume_finishes_where_it_stopped()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: Throughput);
        var phones = DispatchTestData.NewPhones(120);
        var campaignId = await app.StartCampaignAsync(account, phones);
        await app.WaitForRecipientsAsync(campaignId, r => r.Count(x => x.Status == RecipientStatus.Sent) >= 20, "20 sent");

        var pause = await app.ControlAsync(c => c.PauseAsync(campaignId, "tester"));
        pause.Succeeded.Should().BeTrue(pause.Message);
        var atPause = await AcceptedAmongAsync(phones);

        // In-flight requests finish and are recorded; then nothing more leaves.
        await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status != RecipientStatus.Sending), "nothing in flight");
        await Task.Delay(500);
        var settled = await AcceptedAmongAsync(phones);
        settled.Should().BeLessThanOrEqualTo(atPause + MostSendsAfterPause);
        await Task.Delay(500);
        (await AcceptedAmongAsync(phones)).Should().Be(settled, "a paused campaign sends nothing");

        var paused = await app.CampaignAsync(campaignId);
        paused.Status.Should().Be(CampaignStatus.Paused);
        paused.SentCount.Should().Be(settled, "every accepted message is recorded as sent").And.BeLessThan(120);
        await app.CountersShouldMatchRowsAsync(campaignId);

        var again = await app.ControlAsync(c => c.PauseAsync(campaignId, "tester"));
        again.Succeeded.Should().BeFalse();
        again.Message.Should().Be("The campaign is already paused.");

        var resume = await app.ControlAsync(c => c.ResumeAsync(campaignId, "tester"));
        resume.Succeeded.Should().BeTrue(resume.Message);
        var done = await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);
        done.SentCount.Should().Be(120);
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted[p] == 1, "resume continues where it stopped, sending nobody twice");
        await app.CountersShouldMatchRowsAsync(campaignId);
    }

    [Fact]
    public async Task Cancel_mid_run_skips_every_pending_recipient_and_records_the_ones_in_flight()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: Throughput);
        var phones = DispatchTestData.NewPhones(120);
        var campaignId = await app.StartCampaignAsync(account, phones);
        await app.WaitForRecipientsAsync(campaignId, r => r.Count(x => x.Status == RecipientStatus.Sent) >= 20, "20 sent");

        var cancel = await app.ControlAsync(c => c.CancelAsync(campaignId, "tester"));

        cancel.Succeeded.Should().BeTrue(cancel.Message);
        cancel.Message.Should().Contain("recipient(s) not yet sent are skipped");
        var rows = await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status != RecipientStatus.Sending), "nothing in flight");
        rows.Should().NotContain(r => r.Status == RecipientStatus.Pending);
        var sent = rows.Count(r => r.Status == RecipientStatus.Sent);
        rows.Where(r => r.Status != RecipientStatus.Sent).Should().OnlyContain(r => r.Status == RecipientStatus.Skipped && r.ErrorMessage == "cancelled");
        sent.Should().BeLessThan(120);
        await Task.Delay(300);
        (await AcceptedAmongAsync(phones)).Should().Be(sent, "the sandbox accepted exactly the recipients recorded as sent");
        var campaign = await app.CampaignAsync(campaignId);
        campaign.Status.Should().Be(CampaignStatus.Cancelled);
        (campaign.SentCount, campaign.SkippedCount).Should().Be((sent, 120 - sent));
        await app.CountersShouldMatchRowsAsync(campaignId);

        var resume = await app.ControlAsync(c => c.ResumeAsync(campaignId, "tester"));
        resume.Succeeded.Should().BeFalse();
        resume.Message.Should().Be("Only a paused campaign can be resumed; this one is cancelled.");
        var cancelAgain = await app.ControlAsync(c => c.CancelAsync(campaignId, "tester"));
        cancelAgain.Message.Should().Be("The campaign is cancelled and can no longer be cancelled.");
    }

    [Fact]
    public async Task The_action_endpoints_need_Campaigns_Execute_and_the_antiforgery_token_and_answer_with_a_flash_message()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: Throughput);
        var campaignId = await app.StartCampaignAsync(account, DispatchTestData.NewPhones(200));

        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);
        var viewerResponse = await PostAsync(viewer, $"/campaigns/{campaignId}/pause");
        viewerResponse.StatusCode.Should().Be(HttpStatusCode.Redirect);
        viewerResponse.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        (await app.CampaignAsync(campaignId)).Status.Should().Be(CampaignStatus.Running);

        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var forged = await marketer.PostAsync($"/campaigns/{campaignId}/pause", new FormUrlEncodedContent(new Dictionary<string, string>()));
        forged.RedirectTarget().Should().Be($"/campaigns/{campaignId}");
        (await app.CampaignAsync(campaignId)).Status.Should().Be(CampaignStatus.Running, "a post without the antiforgery token does nothing");
        (await marketer.GetPageAsync("/campaigns")).FlashTexts().Should().Contain("The page had expired, so nothing was done. Try again.");

        var paused = await PostAsync(marketer, $"/campaigns/{campaignId}/pause");
        paused.RedirectTarget().Should().Be($"/campaigns/{campaignId}");
        (await app.CampaignAsync(campaignId)).Status.Should().Be(CampaignStatus.Paused);
        (await marketer.GetPageAsync("/campaigns")).FlashTexts().Should().ContainMatch("*is paused*");

        var retry = await PostAsync(marketer, $"/campaigns/{campaignId}/retry-unknown");
        retry.RedirectTarget().Should().Be($"/campaigns/{campaignId}");
        (await marketer.GetPageAsync("/campaigns")).FlashTexts().Should().Contain("There are no recipients with an unknown result to retry.");

        await PostAsync(marketer, $"/campaigns/{campaignId}/resume");
        (await app.CampaignAsync(campaignId)).Status.Should().BeOneOf(CampaignStatus.Running, CampaignStatus.Completed);

        var cancelled = await PostAsync(marketer, $"/campaigns/{campaignId}/cancel");
        cancelled.RedirectTarget().Should().Be($"/campaigns/{campaignId}");
        (await app.CampaignAsync(campaignId)).Status.Should().BeOneOf(CampaignStatus.Cancelled, CampaignStatus.Completed);

        var missing = await PostAsync(marketer, "/campaigns/987654/pause");
        missing.RedirectTarget().Should().Be("/campaigns");
        (await marketer.GetPageAsync("/campaigns")).FlashTexts().Should().Contain("That campaign does not exist (any more).");
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url)
    {
        var token = (await client.GetPageAsync("/account/password")).QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        return await client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
    }
}
