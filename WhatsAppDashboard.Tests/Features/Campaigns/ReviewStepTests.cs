using System.Net;
using AngleSharp.Dom;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Step 5: the whole campaign on one page, its warnings, and the buttons that record the intended status.</summary>
public sealed class ReviewStepTests(EstimatingCampaignsAppFactory app) : IClassFixture<EstimatingCampaignsAppFactory>
{
    private async Task<int> CampaignAsync(
        string name, int? audienceSize = null, MessagingLimitTier tier = MessagingLimitTier.Tier2K, int throughput = 80,
        ScheduleKind kind = ScheduleKind.Now, int wizardStep = 4, bool withPortfolio = true, Action<Campaign>? configure = null)
    {
        var account = await app.AddAccountAsync($"{name} account", tier, throughput: throughput, withPortfolio: withPortfolio);
        var template = await app.AddTemplateAsync(account, "weekend_promo", components: CampaignsAppFactory.PromoComponents);
        var id = await app.AddCampaignAsync(name, account, template, wizardStep: wizardStep, configure: c =>
        {
            c.ScheduleKind = kind;
            if (kind == ScheduleKind.Once)
            {
                c.TimeZoneId = "UTC";
                c.ScheduledLocalTime = DateTime.SpecifyKind(app.Clock.GetUtcNow().UtcDateTime.Date.AddDays(5).AddHours(9), DateTimeKind.Unspecified);
            }
            configure?.Invoke(c);
        });
        if (audienceSize is { } size)
            app.Sizes.Set(id, size);
        return id;
    }

    private async Task<(HttpClient Client, IDocument Page)> OpenAsync(int id, string role = Roles.Marketer)
    {
        var (client, _) = await app.SignedInClientAsync(role);
        return (client, await client.GetPageAsync($"/campaigns/{id}/review"));
    }

    [Fact]
    public async Task The_whole_campaign_is_summed_up_with_the_duration_at_the_accounts_throughput()
    {
        var start = new DateOnly(DateTime.UtcNow.Year + 1, 3, 1);
        var id = await CampaignAsync("Full review", audienceSize: 1_200, kind: ScheduleKind.Recurring, wizardStep: 4, configure: c =>
        {
            new AudienceSettings { Contacts = new ContactsAudience { Labels = ["vip", "newsletter"], ExcludeLabels = ["churned"], AttributeKey = "city", AttributeValue = "Lagos" } }.WriteTo(c);
            ParameterMappings.Write(c, new Dictionary<string, ParameterMapping>
            {
                ["header.1"] = new(MappingSource.Text, Text: "Weekend"),
                ["body.1"] = new(MappingSource.Field, Field: "name", Fallback: "friend"),
                ["body.10"] = new(MappingSource.DaysLeft),
            });
            c.DefaultCountryCode = "234";
            c.TimeZoneId = "Africa/Lagos";
            c.Recurrence = RecurrenceFrequency.Weekly;
            c.RecurrenceTime = new TimeOnly(8, 30);
            c.RecurrenceStart = start;
            c.RecurrenceEnd = start.AddMonths(3);
        });

        var (_, page) = await OpenAsync(id);

        page.QuerySelector("h1")!.TextContent.Should().Be("Full review");
        page.QuerySelector("[data-testid=problems]").Should().BeNull();
        page.QuerySelector("[data-testid=basics-summary] [data-testid=account]").Text().Should().StartWith("Full review account");
        page.QuerySelector("[data-testid=basics-summary] [data-testid=template]").Text().Should().Be("weekend_promo en_US APPROVED");
        page.QuerySelector("[data-testid=audience-description]").Text().Should()
            .Be("Contacts with any of the labels vip, newsletter, except those labelled churned, whose city is “Lagos” (active contacts only).");
        page.QuerySelector("[data-testid=audience-summary]").Text().Should().Contain("Numbers without a country code get +234.");
        page.QuerySelector("[data-testid=audience-size]").Text().Should().Be("Size: 1,200 people today.");
        page.QuerySelectorAll("[data-testid=parameters] tbody tr").Select(r => (r.GetAttribute("data-key"), r.QuerySelector("[data-testid=mapping]").Text()))
            .Should().Equal(
                ("header.1", "the text “Weekend”"),
                ("body.1", "the audience's “name”"),
                ("body.2", "not mapped yet"),
                ("body.10", "days left until the end date"),
                ("button.0.1", "not mapped yet"));
        page.QuerySelector("[data-testid=schedule-description]").Text().Should()
            .Be($"Every week on {start.DayOfWeek} at 08:30 (Africa/Lagos), from {CampaignSchedule.LongDate(start)} to {CampaignSchedule.LongDate(start.AddMonths(3))}.");
        page.QuerySelectorAll("[data-testid=occurrences] li").Select(li => li.GetAttribute("data-utc")).Should().Equal(
            Enumerable.Range(0, 5).Select(week => $"{start.AddDays(7 * week):yyyy-MM-dd}T07:30:00Z"), "Lagos is an hour ahead of UTC");
        page.QuerySelector("[data-testid=duration]").Text().Should().Be("About 15 s for 1,200 messages at 80 messages a second.");
        page.QuerySelector("[data-testid=preview-body]").Should().NotBeNull();
    }

    [Theory]
    [InlineData(300, MessagingLimitTier.Tier250, true)]
    [InlineData(250, MessagingLimitTier.Tier250, false)]
    [InlineData(5_000, MessagingLimitTier.Unlimited, false)]
    public async Task A_warning_appears_when_the_audience_exceeds_what_the_portfolios_24_hour_limit_has_left(int size, MessagingLimitTier tier, bool warned)
    {
        var id = await CampaignAsync($"Limit {size} {tier}", audienceSize: size, tier: tier);

        var (_, page) = await OpenAsync(id);

        var warning = page.QuerySelector("[data-testid=limit-warning]");
        if (warned)
            warning.Text().Should().Be(
                $"The audience (300 people) is larger than what the “Limit {size} {tier} account portfolio” portfolio's 24-hour messaging limit has left " +
                "(250 of 250 unique users). About 50 would have to wait: the run pauses when the limit is reached.");
        else
            warning.Should().BeNull();
        page.QuerySelector("[data-testid=messaging-limit]").Text().Should().StartWith(tier == MessagingLimitTier.Unlimited ? "Unlimited" : "250 of 250 unique users left");
    }

    [Fact]
    public async Task Without_a_known_size_or_portfolio_the_page_says_what_it_cannot_tell_yet()
    {
        var id = await CampaignAsync("Unknown size", withPortfolio: false);

        var (_, page) = await OpenAsync(id);

        page.QuerySelector("[data-testid=audience-size]").Text().Should().Be("Size: counted when the audience step is complete.");
        page.QuerySelector("[data-testid=duration]").Text().Should().Be("Known once the audience size is.");
        page.QuerySelector("[data-testid=messaging-limit]").Text().Should().Be("The account has no business portfolio, so its messaging limit is not known here.");
        page.QuerySelector("[data-testid=limit-warning]").Should().BeNull();
    }

    [Fact]
    public async Task Run_now_is_offered_for_send_now_and_records_running_exactly_once()
    {
        await app.EnsureAudienceContactAsync();
        var id = await CampaignAsync("Go now", audienceSize: 42,
            configure: c => CampaignsAppFactory.MapEveryVariable(c, CampaignsAppFactory.PromoComponents));
        var (client, page) = await OpenAsync(id);
        page.QuerySelector("[data-testid=schedule]").Should().BeNull("the campaign has no schedule");
        var run = page.QuerySelector("[data-testid=run-now]")!;
        run.HasAttribute("disabled").Should().BeFalse();
        run.GetAttribute("data-confirm").Should().Be("Send “Go now” to 42 people now?");

        var response = await client.SubmitAsync(page.Form("review"), submitter: ("Review.Command", "run"));
        response.RedirectTarget().Should().Be($"/campaigns/{id}");
        (await client.GetPageAsync($"/campaigns/{id}")).FlashTexts().Should().Contain("“Go now” is running.");
        // The same form again, as a second click or a second tab would post it.
        var again = await client.SubmitAsync(page.Form("review"), submitter: ("Review.Command", "run"));

        again.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await again.ReadHtmlAsync()).QuerySelector("[data-testid=edit-refused]").Text().Should()
            .StartWith("“Go now” is running: only drafts and scheduled campaigns can be changed.");
        var campaign = (await app.FindCampaignAsync(id))!;
        campaign.Status.Should().Be(CampaignStatus.Running);
        campaign.StartedAt.Should().NotBeNull();
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.run");
    }

    [Fact]
    public async Task Schedule_is_offered_for_a_timed_campaign_and_records_scheduled()
    {
        var id = await CampaignAsync("Later on", kind: ScheduleKind.Once);
        var (client, page) = await OpenAsync(id);
        page.QuerySelector("[data-testid=run-now]").Should().BeNull();
        page.QuerySelectorAll("[data-testid=occurrences] li").Should().HaveCount(1);

        var response = await client.SubmitAsync(page.Form("review"), submitter: ("Review.Command", "schedule"));

        response.RedirectTarget().Should().Be($"/campaigns/{id}");
        var campaign = (await app.FindCampaignAsync(id))!;
        campaign.Status.Should().Be(CampaignStatus.Scheduled);
        campaign.ScheduledAt.Should().Be(new DateTimeOffset(campaign.ScheduledLocalTime!.Value, TimeSpan.Zero));
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.schedule");
    }

    [Fact]
    public async Task An_incomplete_campaign_is_refused_with_the_reason_even_when_posted_by_hand()
    {
        var id = await CampaignAsync("Half done", wizardStep: 2);
        var (client, page) = await OpenAsync(id);
        page.QuerySelector("[data-testid=problems]").Text().Should().Contain("These steps are not complete yet: Parameters, Schedule.");
        page.QuerySelector("[data-testid=run-now]")!.HasAttribute("disabled").Should().BeTrue();

        var response = await client.PostFormAsync($"/campaigns/{id}/review", "review", new Dictionary<string, string> { ["Review.Command"] = "run" });

        (await response.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]").Text().Should().Be("These steps are not complete yet: Parameters, Schedule.");
        (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Draft);
    }

    [Fact]
    public async Task A_template_no_longer_approved_or_an_inactive_account_stops_the_run()
    {
        var paused = await CampaignAsync("Template paused meanwhile");
        await app.WithDbAsync(async db =>
        {
            var campaign = await db.Campaigns.FindAsync(paused);
            var template = await db.WhatsAppTemplates.FindAsync(campaign!.TemplateId);
            template!.Status = "PAUSED";
            await db.SaveChangesAsync();
        });
        var inactive = await CampaignAsync("Account switched off");
        await app.WithDbAsync(async db =>
        {
            var campaign = await db.Campaigns.FindAsync(inactive);
            (await db.WhatsAppAccounts.FindAsync(campaign!.AccountId))!.IsActive = false;
            await db.SaveChangesAsync();
        });
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        foreach (var (id, reason) in new[]
        {
            (paused, "The template “weekend_promo” (en_US) is no longer approved by Meta (status PAUSED): choose another template on the Basics step."),
            (inactive, "The account “Account switched off account” is inactive: reactivate it, or choose another account on the Basics step."),
        })
        {
            var response = await client.PostFormAsync($"/campaigns/{id}/review", "review", new Dictionary<string, string> { ["Review.Command"] = "run" });
            (await response.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]").Text().Should().Be(reason);
            (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Draft);
        }
    }

    [Fact]
    public async Task Save_draft_goes_back_to_the_list_and_remembers_the_review_was_reached()
    {
        var id = await CampaignAsync("Keep for later");
        var (client, page) = await OpenAsync(id);

        var response = await client.SubmitAsync(page.Form("review"), submitter: ("Review.Command", "draft"));

        response.RedirectTarget().Should().Be("/campaigns");
        var campaign = (await app.FindCampaignAsync(id))!;
        (campaign.Status, campaign.WizardStep).Should().Be((CampaignStatus.Draft, 5));
    }

    [Fact]
    public async Task A_csv_audience_is_summed_up_from_what_the_upload_stored()
    {
        var id = await CampaignAsync("From a file", configure: c =>
        {
            c.AudienceKind = AudienceKind.Csv;
            new AudienceSettings
            {
                Csv = new CsvAudience { FileName = "lagos.csv", PhoneColumn = "Mobile", NameColumn = "Name", Rows = 120, Valid = 100, Duplicates = 8, Invalid = 12, OptedOut = 3 },
            }.WriteTo(c);
        });

        var (_, page) = await OpenAsync(id);

        page.QuerySelector("[data-testid=audience-description]").Text().Should()
            .Be("Uploaded file lagos.csv: 120 rows, 100 valid, 8 duplicates, 12 invalid, 3 opted out.");
        page.QuerySelector("[data-testid=audience-summary]").Text().Should().Contain("Phone column “Mobile”, name column “Name”.");
    }
}
