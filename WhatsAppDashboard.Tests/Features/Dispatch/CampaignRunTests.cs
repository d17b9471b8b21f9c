using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>Starting a run and sending it to the end, against the sandbox over real HTTP and a real PostgreSQL.</summary>
public sealed class CampaignRunTests(DispatchAppFactory app) : IClassFixture<DispatchAppFactory>
{
    [Fact]
    public async Task A_run_of_two_thousand_recipients_completes_with_every_recipient_sent_exactly_once()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: 1000);
        var phones = DispatchTestData.NewPhones(2000);

        var campaignId = await app.StartCampaignAsync(account, phones);
        var campaign = await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        var recipients = await app.RecipientsAsync(campaignId);
        recipients.Should().HaveCount(2000).And.OnlyContain(r => r.Status == RecipientStatus.Sent && r.MessageId!.StartsWith("wamid.") && r.Attempts == 1);
        recipients.Select(r => r.Phone).Should().BeEquivalentTo(phones);
        recipients.Should().OnlyContain(r => r.SentAt != null && r.SendingAt != null && r.SentAt >= r.SendingAt);
        (campaign.TotalCount, campaign.SentCount, campaign.FailedCount, campaign.SkippedCount).Should().Be((2000, 2000, 0, 0));
        campaign.StartedAt.Should().NotBeNull();
        campaign.CompletedAt.Should().NotBeNull().And.BeOnOrAfter(campaign.StartedAt!.Value);
        await app.CountersShouldMatchRowsAsync(campaignId);

        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted[p] == 1, "the sandbox must have accepted exactly one message per phone");

        // What Meta received: digits without '+', the recipient id to come back in status webhooks, the frozen values.
        var sample = recipients[42];
        var request = (await app.RequestsToAsync(sample.Phone)).Single();
        var body = request.GetProperty("body");
        body.GetProperty("to").GetString().Should().Be(sample.Phone[1..]);
        body.GetProperty("biz_opaque_callback_data").GetString().Should().Be(sample.Id.ToString());
        body.GetProperty("template").GetProperty("name").GetString().Should().Be("welcome_offer");
        body.GetProperty("template").GetProperty("language").GetProperty("code").GetString().Should().Be("en_US");
        body.GetProperty("template").GetProperty("components")[0].GetProperty("parameters")[1].GetProperty("text").GetString().Should().Be("WELCOME10");
        request.GetProperty("messageId").GetString().Should().Be(sample.MessageId);
    }

    [Fact]
    public async Task Two_concurrent_starts_make_exactly_one_run()
    {
        var account = await app.CreateSandboxAccountAsync();
        var campaignId = await app.CreateCampaignAsync(account);
        var phones = DispatchTestData.NewPhones(40);

        var results = await Task.WhenAll(
            app.StartAsync(campaignId, DispatchTestData.Audience(phones)),
            app.StartAsync(campaignId, DispatchTestData.Audience(phones)));

        results.Count(r => r.Outcome == StartOutcome.Started).Should().Be(1);
        var refused = results.Single(r => r.Outcome != StartOutcome.Started);
        refused.Outcome.Should().Be(StartOutcome.Refused);
        refused.Message.Should().Be("The campaign is already running.");

        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);
        (await app.RecipientsAsync(campaignId)).Should().HaveCount(40, "one run wrote its recipients once");
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted[p] == 1);

        var again = await app.StartAsync(campaignId, DispatchTestData.Audience(phones));
        again.Outcome.Should().Be(StartOutcome.Refused);
        again.Message.Should().Be("The campaign is completed: copy it to send again.");
    }

    [Fact]
    public async Task Duplicates_invalid_numbers_and_opted_out_or_blocked_contacts_are_kept_as_skipped_with_the_reason()
    {
        var account = await app.CreateSandboxAccountAsync();
        var campaignId = await app.CreateCampaignAsync(account, defaultCountryCode: "44");
        var good = SandboxAppFactory.NewRecipient();
        var optedOut = SandboxAppFactory.NewRecipient();
        var blocked = SandboxAppFactory.NewRecipient();
        var known = SandboxAppFactory.NewRecipient();
        await app.AddContactAsync(optedOut, optedOut: true);
        await app.AddContactAsync(blocked, blocked: true);
        var knownContact = await app.AddContactAsync(known);
        var national = "07" + Random.Shared.NextInt64(100_000_000, 999_999_999);

        var result = await app.StartAsync(campaignId, DispatchTestData.Audience(
        [
            new PlannedRecipient(good, "Good", null, DispatchTestData.Welcome, null),
            new PlannedRecipient(good.Replace("+49", "0049"), "Same person, other spelling", null, DispatchTestData.Welcome, null),
            new PlannedRecipient("12ab34", "Letters", null, DispatchTestData.Welcome, null),
            new PlannedRecipient(optedOut, "Stopped", null, DispatchTestData.Welcome, null),
            new PlannedRecipient(blocked, "Blocked", null, DispatchTestData.Welcome, null),
            new PlannedRecipient(known, "Known", null, DispatchTestData.Welcome, null),
            new PlannedRecipient(national, "National", null, DispatchTestData.Welcome, null),
            new PlannedRecipient(SandboxAppFactory.NewRecipient(), "No value", null, DispatchTestData.Welcome, "no value for {{2}}"),
        ]));

        result.Outcome.Should().Be(StartOutcome.Started, result.Message);
        (result.TotalCount, result.SkippedCount).Should().Be((8, 5));
        result.Message.Should().Contain("1 opted out").And.Contain("1 blocked").And.Contain("1 duplicate").And.Contain("1 invalid number");
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        var rows = await app.RecipientsAsync(campaignId);
        rows.Select(r => (r.Name, r.Status, r.ErrorMessage)).Should().Equal(
            ("Good", RecipientStatus.Sent, null),
            ("Same person, other spelling", RecipientStatus.Skipped, "duplicate of row 1"),
            ("Letters", RecipientStatus.Skipped, "\"12ab34\" contains letters; enter the number with digits only."),
            ("Stopped", RecipientStatus.Skipped, CampaignStarter.OptedOutReason),
            ("Blocked", RecipientStatus.Skipped, CampaignStarter.BlockedReason),
            ("Known", RecipientStatus.Sent, null),
            ("National", RecipientStatus.Sent, null),
            ("No value", RecipientStatus.Skipped, "no value for {{2}}"));
        rows[1].Phone.Should().Be(good, "the duplicate is stored normalised");
        rows[2].Phone.Should().BeEmpty();
        rows[6].Phone.Should().Be("+44" + national[1..], "the default country code applies to national numbers");
        rows[5].ContactId.Should().Be(knownContact.Id, "a number that matches a contact is linked to it");
        rows.Where(r => r.Status == RecipientStatus.Skipped).Should().OnlyContain(r => r.Attempts == 0 && r.SendingAt == null);

        var accepted = await app.AcceptedByPhoneAsync();
        accepted.Should().NotContainKey(optedOut).And.NotContainKey(blocked);
        accepted[good].Should().Be(1);
        await app.CountersShouldMatchRowsAsync(campaignId);
    }

    [Fact]
    public async Task A_campaign_that_cannot_start_becomes_failed_with_the_reason_and_sends_nothing()
    {
        var pending = await app.CreateSandboxAccountAsync(templateStatus: "PENDING");
        await StartShouldFailAsync(pending, DispatchTestData.NewPhones(3), "cannot be sent: Meta is still reviewing this template");

        var inactive = await app.CreateSandboxAccountAsync(isActive: false);
        await StartShouldFailAsync(inactive, DispatchTestData.NewPhones(3), "is deactivated");

        var ready = await app.CreateSandboxAccountAsync();
        await StartShouldFailAsync(ready, [], "The audience is empty");

        var everyoneOut = DispatchTestData.NewPhones(2);
        foreach (var phone in everyoneOut)
            await app.AddContactAsync(phone, optedOut: true);
        var failed = await StartShouldFailAsync(ready, everyoneOut, "all 2 recipients were skipped (2 opted out)");
        (failed.TotalCount, failed.SkippedCount, failed.SentCount).Should().Be((2, 2, 0), "the skipped rows stay, with their reasons");
        await app.CountersShouldMatchRowsAsync(failed.Id);

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var noToken = await db.WhatsAppAccounts.SingleAsync(a => a.Id == ready.AccountId);
        noToken.AccessTokenProtected = null;
        await db.SaveChangesAsync();
        await StartShouldFailAsync(ready, DispatchTestData.NewPhones(2), "has no access token");
    }

    private async Task<Campaign> StartShouldFailAsync(SandboxAccount account, IEnumerable<string> phones, string reason)
    {
        var campaignId = await app.CreateCampaignAsync(account);
        var result = await app.StartAsync(campaignId, DispatchTestData.Audience(phones));

        result.Outcome.Should().Be(StartOutcome.Failed);
        result.Message.Should().Contain(reason);
        var campaign = await app.CampaignAsync(campaignId);
        campaign.Status.Should().Be(CampaignStatus.Failed);
        campaign.LastError.Should().Contain(reason);
        (await app.RecipientsAsync(campaignId)).Should().NotContain(r => r.Status != RecipientStatus.Skipped);
        return campaign;
    }

    [Fact]
    public async Task A_failure_while_writing_recipients_leaves_none_behind_and_fails_the_campaign()
    {
        var account = await app.CreateSandboxAccountAsync();
        var campaignId = await app.CreateCampaignAsync(account);
        var phones = DispatchTestData.NewPhones(80);

        var result = await app.StartAsync(campaignId, Broken(phones, failAfter: 50));

        result.Outcome.Should().Be(StartOutcome.Failed);
        var campaign = await app.CampaignAsync(campaignId);
        campaign.Status.Should().Be(CampaignStatus.Failed);
        campaign.LastError.Should().Contain("nothing was sent").And.Contain("the contact list went away");
        (campaign.TotalCount, campaign.SkippedCount).Should().Be((0, 0));
        (await app.RecipientsAsync(campaignId)).Should().BeEmpty();
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => !accepted.ContainsKey(p));
    }

    private static async IAsyncEnumerable<PlannedRecipient> Broken(IEnumerable<string> phones, int failAfter)
    {
        var n = 0;
        await foreach (var recipient in DispatchTestData.Audience(phones))
        {
            if (++n > failAfter)
                throw new InvalidOperationException("the contact list went away");
            yield return recipient;
        }
    }

    [Fact]
    public async Task The_portfolio_limit_reports_what_is_left_and_unlimited_portfolios_have_no_limit()
    {
        var limited = await app.CreateSandboxAccountAsync(tier: MessagingLimitTier.Tier2K);
        var unlimited = await app.CreateSandboxAccountAsync(tier: MessagingLimitTier.Unlimited);
        var limit = app.Services.GetRequiredService<PortfolioMessagingLimit>();
        (await limit.RemainingAsync(limited.PortfolioId)).Should().Be(2000);

        var phones = DispatchTestData.NewPhones(30);
        var first = await app.StartCampaignAsync(limited, phones);
        await app.WaitForStatusAsync(first, CampaignStatus.Completed);
        (await limit.RemainingAsync(limited.PortfolioId)).Should().Be(1970);

        // The same people again, and from another number of the same portfolio: they cost nothing new.
        var sibling = await app.CreateSandboxAccountAsync(portfolioId: limited.PortfolioId);
        var second = await app.StartCampaignAsync(sibling, phones.Take(10).Concat(DispatchTestData.NewPhones(5)));
        await app.WaitForStatusAsync(second, CampaignStatus.Completed);
        (await limit.RemainingAsync(limited.PortfolioId)).Should().Be(1965);

        (await limit.RemainingAsync(unlimited.PortfolioId)).Should().BeNull();
    }
}
