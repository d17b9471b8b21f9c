using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>How each class of Cloud API error changes a run, with the sandbox forcing codes by number suffix.</summary>
public sealed class DispatchErrorTests(DispatchErrorTests.Factory app) : IClassFixture<DispatchErrorTests.Factory>
{
    public const string Transient = "9131016";
    public const string OptOut = "9131050";
    public const string Undeliverable = "9131026";
    public const string MarketingCap = "9131049";
    public const string PairRate = "9131056";

    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            [$"Sandbox:RecipientFailures:{Transient}"] = "131016",
            [$"Sandbox:RecipientFailures:{OptOut}"] = "131050",
            [$"Sandbox:RecipientFailures:{Undeliverable}"] = "131026",
            [$"Sandbox:RecipientFailures:{MarketingCap}"] = "131049",
            [$"Sandbox:RecipientFailures:{PairRate}"] = "131056",
            ["Dispatch:MaxAttempts"] = "3",
        };
    }

    [Fact]
    public async Task A_transient_error_is_retried_with_back_off_and_fails_with_the_last_error_after_MaxAttempts()
    {
        var account = await app.CreateSandboxAccountAsync();
        var flaky = DispatchTestData.PhoneEndingIn(Transient);
        var others = DispatchTestData.NewPhones(10);

        var campaignId = await app.StartCampaignAsync(account, others.Append(flaky));
        var campaign = await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        var row = (await app.RecipientsAsync(campaignId)).Single(r => r.Phone == flaky);
        row.Status.Should().Be(RecipientStatus.Failed);
        row.Attempts.Should().Be(3, "Dispatch:MaxAttempts is 3 in this factory");
        row.ErrorCode.Should().Be(131016);
        row.ErrorMessage.Should().StartWith("(131016) Service unavailable");
        row.FailedAt.Should().NotBeNull();
        (await app.RequestsToAsync(flaky)).Should().HaveCount(3).And.OnlyContain(r => r.GetProperty("errorCode").GetInt32() == 131016);
        (campaign.SentCount, campaign.FailedCount).Should().Be((10, 1));
        var accepted = await app.AcceptedByPhoneAsync();
        others.Should().OnlyContain(p => accepted[p] == 1);
        await app.CountersShouldMatchRowsAsync(campaignId);
    }

    [Fact]
    public async Task Permanent_errors_fail_at_once_with_code_and_message_and_retry_failed_sends_them_again()
    {
        var account = await app.CreateSandboxAccountAsync();
        var undeliverable = DispatchTestData.PhoneEndingIn(Undeliverable);
        var capped = DispatchTestData.PhoneEndingIn(MarketingCap);
        var good = DispatchTestData.NewPhones(5);

        var campaignId = await app.StartCampaignAsync(account, good.Append(undeliverable).Append(capped));
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        var rows = await app.RecipientsAsync(campaignId);
        var failed = rows.Where(r => r.Status == RecipientStatus.Failed).ToDictionary(r => r.Phone);
        failed.Keys.Should().BeEquivalentTo([undeliverable, capped]);
        (failed[undeliverable].ErrorCode, failed[undeliverable].Attempts).Should().Be((131026, 1));
        failed[undeliverable].ErrorMessage.Should().StartWith("(131026) Message undeliverable");
        (failed[capped].ErrorCode, failed[capped].Attempts).Should().Be((131049, 1), "Dispatch:RetryLaterHours is 0: Meta's marketing cap fails at once");

        var retry = await app.ControlAsync(c => c.RetryFailedAsync(campaignId, "tester"));
        retry.Succeeded.Should().BeTrue(retry.Message);
        retry.Recipients.Should().Be(2);
        (await app.CampaignAsync(campaignId)).Status.Should().BeOneOf(CampaignStatus.Running, CampaignStatus.Completed);
        await app.CountersShouldMatchRowsAsync(campaignId);

        var campaign = await app.WaitForRecipientsAsync(campaignId,
            r => r.Count(x => x.Status == RecipientStatus.Failed) == 2 && r.All(x => x.Status != RecipientStatus.Pending && x.Status != RecipientStatus.Sending),
            "both failed again")
            .ContinueWith(_ => app.WaitForStatusAsync(campaignId, CampaignStatus.Completed)).Unwrap();
        campaign.FailedCount.Should().Be(2);
        (await app.RequestsToAsync(undeliverable)).Should().HaveCount(2, "retry failed sent it once more");
        var accepted = await app.AcceptedByPhoneAsync();
        good.Should().OnlyContain(p => accepted[p] == 1, "a retry never touches the recipients that were sent");
        await app.CountersShouldMatchRowsAsync(campaignId);
    }

    [Fact]
    public async Task A_user_who_stopped_marketing_messages_fails_and_their_contact_is_opted_out_for_good()
    {
        var account = await app.CreateSandboxAccountAsync();
        var contactPhone = DispatchTestData.PhoneEndingIn(OptOut);
        var csvOnlyPhone = DispatchTestData.PhoneEndingIn(OptOut);
        await app.AddContactAsync(contactPhone);
        var good = SandboxAppFactory.NewRecipient();

        var campaignId = await app.StartCampaignAsync(account, [good, contactPhone, csvOnlyPhone]);
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        var rows = (await app.RecipientsAsync(campaignId)).ToDictionary(r => r.Phone);
        foreach (var phone in new[] { contactPhone, csvOnlyPhone })
        {
            (rows[phone].Status, rows[phone].ErrorCode, rows[phone].Attempts).Should().Be((RecipientStatus.Failed, 131050, 1));
            var contact = await app.ContactAsync(phone);
            contact.Should().NotBeNull("a number from a CSV becomes an opted-out contact, so no later campaign reaches it");
            contact!.IsOptedOut.Should().BeTrue();
            contact.OptedOutAt.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        }
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var audits = await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEntries
                .Where(e => e.Action == "contacts.optout" && (e.Target == contactPhone || e.Target == csvOnlyPhone)).ToListAsync();
            audits.Should().HaveCount(2).And.OnlyContain(e => e.Actor == "system" && e.Details!.Contains("131050"));
        }

        var retry = await app.ControlAsync(c => c.RetryFailedAsync(campaignId, "tester"));
        retry.Succeeded.Should().BeFalse();
        retry.Message.Should().Contain("no failed recipients to retry");
        (await app.CampaignAsync(campaignId)).Status.Should().Be(CampaignStatus.Completed);

        var next = await app.CreateCampaignAsync(account);
        var started = await app.StartAsync(next, DispatchTestData.Audience([SandboxAppFactory.NewRecipient(), contactPhone, csvOnlyPhone]));
        started.Outcome.Should().Be(StartOutcome.Started);
        started.SkippedCount.Should().Be(2);
        (await app.RecipientsAsync(next)).Where(r => r.Phone != "" && r.Status == RecipientStatus.Skipped).Select(r => r.ErrorMessage)
            .Should().Equal(CampaignStarter.OptedOutReason, CampaignStarter.OptedOutReason);
        await app.WaitForStatusAsync(next, CampaignStatus.Completed);
        (await app.RequestsToAsync(contactPhone)).Should().HaveCount(1, "the second campaign never tried");
    }

    [Fact]
    public async Task The_pair_rate_limit_defers_only_that_recipient_by_at_least_six_seconds()
    {
        var account = await app.CreateSandboxAccountAsync();
        var busy = DispatchTestData.PhoneEndingIn(PairRate);
        var others = DispatchTestData.NewPhones(20);

        var campaignId = await app.StartCampaignAsync(account, others.Prepend(busy));
        var rows = await app.WaitForRecipientsAsync(campaignId,
            r => r.Count(x => x.Status == RecipientStatus.Sent) == 20 && r.Single(x => x.Phone == busy) is { Status: RecipientStatus.Pending, Attempts: 1 },
            "everyone else sent while the busy one waits");

        var deferred = rows.Single(r => r.Phone == busy);
        deferred.ErrorCode.Should().Be(131056);
        deferred.NextAttemptAt.Should().NotBeNull();
        (deferred.NextAttemptAt!.Value - deferred.SendingAt!.Value).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(6));
        (await app.CampaignAsync(campaignId)).Status.Should().Be(CampaignStatus.Running, "one deferred recipient keeps the run open");
        (await app.RequestsToAsync(busy)).Should().HaveCount(1, "it is not hammered while it waits");

        var cancel = await app.ControlAsync(c => c.CancelAsync(campaignId, "tester"));
        cancel.Succeeded.Should().BeTrue(cancel.Message);
        var row = (await app.RecipientsAsync(campaignId)).Single(r => r.Phone == busy);
        (row.Status, row.ErrorMessage).Should().Be((RecipientStatus.Skipped, "cancelled"));
        (await app.CampaignAsync(campaignId)).Status.Should().Be(CampaignStatus.Cancelled);
        await app.CountersShouldMatchRowsAsync(campaignId);
    }

    [Fact]
    public async Task An_account_level_error_pauses_the_campaign_with_the_reason_and_resume_finishes_once_fixed()
    {
        var account = await app.CreateSandboxAccountAsync(accessToken: "not-the-sandbox-token");
        var phones = DispatchTestData.NewPhones(30);

        var campaignId = await app.StartCampaignAsync(account, phones);
        var paused = await app.WaitForStatusAsync(campaignId, CampaignStatus.Paused);

        paused.LastError.Should().Contain("(190)").And.Contain("resume");
        // Let requests that were in flight land, then check no recipient paid for the account's problem.
        var rows = await app.WaitForRecipientsAsync(campaignId, r => r.All(x => x.Status == RecipientStatus.Pending), "all back to pending");
        rows.Should().OnlyContain(r => r.Attempts == 0, "the attempts refused at account level do not count");
        rows.Should().Contain(r => r.ErrorCode == 190);
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => !accepted.ContainsKey(p));
        await app.CountersShouldMatchRowsAsync(campaignId);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var stored = await db.WhatsAppAccounts.SingleAsync(a => a.Id == account.AccountId);
            stored.AccessTokenProtected = scope.ServiceProvider.GetRequiredService<AccountSecrets>().Protect(AccountSecretKind.AccessToken, app.AccessToken);
            await db.SaveChangesAsync();
        }
        var resumed = await app.ControlAsync(c => c.ResumeAsync(campaignId, "tester"));
        resumed.Succeeded.Should().BeTrue(resumed.Message);

        var done = await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);
        done.LastError.Should().BeNull("resuming clears the reason it was paused for");
        done.SentCount.Should().Be(30);
        accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted[p] == 1);
        await app.CountersShouldMatchRowsAsync(campaignId);
    }
}
