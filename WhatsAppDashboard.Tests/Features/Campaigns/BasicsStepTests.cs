using System.Net;
using AngleSharp.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Step 1: name, account, and an approved template of that account, whatever the form posts.</summary>
public sealed class BasicsStepTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static IReadOnlyList<string> Options(IDocument page, string selectId) =>
        page.QuerySelectorAll($"#{selectId} option").Where(o => o.GetAttribute("value") is { Length: > 0 }).Select(o => o.TextContent.Trim()).ToList();

    private static Dictionary<string, string> Basics(string name, int? account, int? template, string command = BasicsInput.SaveCommand) => new()
    {
        ["Input.Name"] = name,
        ["Input.AccountId"] = account?.ToString() ?? "",
        ["Input.TemplateId"] = template?.ToString() ?? "",
        ["Input.Command"] = command,
    };

    private Task<int> CampaignCountAsync() => app.WithDbAsync(db => db.Campaigns.CountAsync());

    [Fact]
    public async Task Choosing_an_account_lists_only_its_approved_templates_and_shows_the_chosen_ones_preview_without_saving()
    {
        var account = await app.AddAccountAsync("Shop line");
        var other = await app.AddAccountAsync("Other line");
        await app.AddAccountAsync("Retired line", active: false);
        var promo = await app.AddTemplateAsync(account, "weekend_promo", components: CampaignsAppFactory.PromoComponents);
        await app.AddTemplateAsync(account, "order_update");
        await app.AddTemplateAsync(account, "waiting_review", status: "PENDING");
        await app.AddTemplateAsync(account, "turned_down", status: "REJECTED");
        await app.AddTemplateAsync(other, "elsewhere");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var before = await CampaignCountAsync();

        var page = await client.GetPageAsync("/campaigns/new");
        page.QuerySelector("h1")!.TextContent.Should().Be("New campaign");
        Options(page, "basics-account").Should().Contain(["Shop line", "Other line"]).And.NotContain("Retired line");
        page.QuerySelector("#basics-template")!.HasAttribute("disabled").Should().BeTrue("there are no templates before an account is chosen");
        page.QuerySelector("script[src='js/campaign-basics.js']").Should().NotBeNull();

        var refreshed = await client.SubmitAsync(page.Form("basics"), Basics("Weekend", account, null, BasicsInput.RefreshCommand));
        refreshed.StatusCode.Should().Be(HttpStatusCode.OK);
        var withTemplates = await refreshed.ReadHtmlAsync();
        Options(withTemplates, "basics-template").Should().Equal("order_update (en_US) · marketing", "weekend_promo (en_US) · marketing");
        withTemplates.QuerySelector("#basics-name")!.GetAttribute("value").Should().Be("Weekend", "what was typed is kept");

        var previewed = await (await client.SubmitAsync(withTemplates.Form("basics"), Basics("Weekend", account, promo, BasicsInput.RefreshCommand))).ReadHtmlAsync();
        previewed.QuerySelector("[data-testid=preview-body]").Text().Should().Be("Hi Maria, take 20% off until Sunday.");
        previewed.QuerySelector("#basics-template option[selected]")!.TextContent.Should().StartWith("weekend_promo");

        var otherAccount = await (await client.SubmitAsync(previewed.Form("basics"), Basics("Weekend", other, promo, BasicsInput.RefreshCommand))).ReadHtmlAsync();
        Options(otherAccount, "basics-template").Should().Equal("elsewhere (en_US) · marketing");
        otherAccount.QuerySelector("#basics-template option[selected]").Should().BeNull("another account's template cannot stay chosen");
        otherAccount.QuerySelector("[data-testid=no-preview]").Should().NotBeNull();

        (await CampaignCountAsync()).Should().Be(before, "showing templates and previews saves nothing");
    }

    [Fact]
    public async Task Missing_or_too_long_values_are_refused_next_to_their_fields()
    {
        await app.AddAccountAsync("Validation line");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var before = await CampaignCountAsync();
        var page = await client.GetPageAsync("/campaigns/new");

        var empty = await (await client.SubmitAsync(page.Form("basics"), Basics("   ", null, null))).ReadHtmlAsync();
        empty.ValidationMessageFor("basics-name").Should().Be("Give the campaign a name.");
        empty.ValidationMessageFor("basics-account").Should().Be("Choose the account to send from.");
        empty.ValidationMessageFor("basics-template").Should().Be("Choose the template to send.");

        var tooLong = await (await client.SubmitAsync(page.Form("basics"), Basics(new string('x', 201), null, null))).ReadHtmlAsync();
        tooLong.ValidationMessageFor("basics-name").Should().Be("The name can have at most 200 characters; this one has 201.");

        (await CampaignCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Templates_that_are_not_approved_or_belong_to_another_account_and_inactive_accounts_are_refused_even_when_posted_by_hand()
    {
        var account = await app.AddAccountAsync("Hand line");
        var other = await app.AddAccountAsync("Foreign line");
        var retired = await app.AddAccountAsync("Closed line", active: false);
        var pending = await app.AddTemplateAsync(account, "still_pending", status: "PENDING");
        var foreign = await app.AddTemplateAsync(other, "foreign_template");
        var retiredTemplate = await app.AddTemplateAsync(retired, "old_template");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var before = await CampaignCountAsync();

        async Task<IDocument> PostAsync(int accountId, int templateId) =>
            await (await client.PostFormAsync("/campaigns/new", "basics", Basics("By hand", accountId, templateId))).ReadHtmlAsync();

        (await PostAsync(account, pending)).ValidationMessageFor("basics-template").Should()
            .Be("“still_pending” (en_US) cannot be sent: Meta is still reviewing this template: campaigns can use it once it is approved.");
        (await PostAsync(account, foreign)).ValidationMessageFor("basics-template").Should()
            .Be("“foreign_template” belongs to another account: choose one of Hand line's templates.");
        (await PostAsync(retired, retiredTemplate)).ValidationMessageFor("basics-account").Should()
            .Be("The account “Closed line” is inactive: choose an active account.");
        (await PostAsync(account, 999999)).ValidationMessageFor("basics-template").Should().Be("Choose the template to send.");

        (await CampaignCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Saving_creates_a_draft_in_the_users_time_zone_and_goes_to_the_audience_step()
    {
        var account = await app.AddAccountAsync("Create line");
        var template = await app.AddTemplateAsync(account, "order_update");
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer, "Europe/Berlin");

        var page = await client.GetPageAsync("/campaigns/new");
        var response = await client.SubmitAsync(page.Form("basics"), Basics("  Summer launch  ", account, template));

        var target = response.RedirectTarget();
        target.Should().MatchRegex(@"^/campaigns/\d+/audience$");
        var id = int.Parse(target.Split('/')[2]);
        var campaign = (await app.FindCampaignAsync(id))!;
        (campaign.Name, campaign.AccountId, campaign.TemplateId, campaign.Status, campaign.WizardStep).Should()
            .Be(("Summer launch", account, template, CampaignStatus.Draft, 1));
        (campaign.CreatedByName, campaign.TimeZoneId).Should().Be((user.Email, "Europe/Berlin"));
        campaign.CreatedAt.Should().BeCloseTo(app.Clock.GetUtcNow(), TimeSpan.FromMinutes(1));
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.create");

        var reopened = await client.GetPageAsync($"/campaigns/{id}/basics");
        reopened.QuerySelector("h1")!.TextContent.Should().Be("Summer launch");
        reopened.QuerySelector("#basics-name")!.GetAttribute("value").Should().Be("Summer launch");
        reopened.QuerySelector("#basics-account option[selected]")!.TextContent.Should().Be("Create line");
        reopened.QuerySelector("#basics-template option[selected]")!.TextContent.Should().StartWith("order_update");
        reopened.QuerySelector("[data-testid=wizard-steps] a[href$='/audience']").Should().NotBeNull("the next step is reachable");
    }

    [Fact]
    public async Task Changing_the_template_keeps_the_mappings_it_still_has_and_says_which_were_dropped()
    {
        var account = await app.AddAccountAsync("Mapping line");
        var promo = await app.AddTemplateAsync(account, "weekend_promo", components: CampaignsAppFactory.PromoComponents);
        var simple = await app.AddTemplateAsync(account, "order_update");
        var id = await app.AddCampaignAsync("Mapped", account, promo, wizardStep: 3, configure: c => ParameterMappings.Write(c, new Dictionary<string, ParameterMapping>
        {
            ["header.1"] = new(MappingSource.Text, Text: "Weekend"),
            ["body.1"] = new(MappingSource.Field, Field: "name", Fallback: "friend"),
            ["body.2"] = new(MappingSource.Text, Text: "20%"),
            ["body.10"] = new(MappingSource.Text, Text: "Sunday"),
            ["button.0.1"] = new(MappingSource.Field, Field: "code"),
        }));
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{id}/basics");
        var response = await client.SubmitAsync(page.Form("basics"), Basics("Mapped", account, simple));

        response.RedirectTarget().Should().Be($"/campaigns/{id}/audience");
        // The audience step belongs to another part of the wizard: read the flash on the list instead.
        var flash = (await client.GetPageAsync("/campaigns")).FlashTexts();
        flash.Should().Contain("The new template has no Header {{1}}, Body {{2}}, Body {{10}}, Button 1 URL {{1}}: those mappings were dropped. The other mappings are kept.");
        var campaign = (await app.FindCampaignAsync(id))!;
        ParameterMappings.Read(campaign).Should().BeEquivalentTo(new Dictionary<string, ParameterMapping>
        {
            ["body.1"] = new(MappingSource.Field, Field: "name", Fallback: "friend"),
        });
        campaign.WizardStep.Should().Be(3, "saving an earlier step does not undo later ones");
        (await app.WithDbAsync(db => db.AuditEntries.Where(e => e.Target.StartsWith($"#{id} ")).Select(e => e.Details).SingleAsync()))
            .Should().Be("basics: template; mappings dropped: header.1, body.2, body.10, button.0.1");
    }

    [Fact]
    public async Task A_chosen_template_that_is_no_longer_approved_is_pointed_out()
    {
        var account = await app.AddAccountAsync("Paused line");
        var paused = await app.AddTemplateAsync(account, "paused_promo", status: "PAUSED");
        var id = await app.AddCampaignAsync("Stale", account, paused);
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{id}/basics");

        page.QuerySelector("[data-testid=stale-template]").Text().Should()
            .Be("The template chosen before, “paused_promo” (en_US), can no longer be sent (status PAUSED): choose another.");
        page.QuerySelector("[data-testid=no-templates]").Should().NotBeNull("the account has no approved template left");
    }

    [Fact]
    public async Task A_chosen_account_that_was_deactivated_is_pointed_out()
    {
        var account = await app.AddAccountAsync("Deactivated line", active: false);
        var template = await app.AddTemplateAsync(account, "order_update");
        var id = await app.AddCampaignAsync("Orphaned", account, template);
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{id}/basics");

        page.QuerySelector("[data-testid=inactive-account]").Text().Should()
            .Be("The account chosen before, “Deactivated line”, is inactive: choose another account.");
        Options(page, "basics-account").Should().NotContain("Deactivated line");
    }

    [Fact]
    public async Task Unknown_campaigns_are_not_found()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        foreach (var url in new[] { "/campaigns/987654", "/campaigns/987654/basics", "/campaigns/987654/schedule", "/campaigns/987654/review" })
            (await client.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound, url);
    }
}
