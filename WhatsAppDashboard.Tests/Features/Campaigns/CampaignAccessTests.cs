using System.Net;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Who may do what: editing only drafts and scheduled campaigns; viewers only look.</summary>
public sealed class CampaignAccessTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static readonly string[] StepPaths = ["basics", "schedule", "review"];

    private async Task<(int Account, int Template)> SenderAsync(string name)
    {
        var account = await app.AddAccountAsync($"{name} account");
        return (account, await app.AddTemplateAsync(account, "order_update"));
    }

    public static TheoryData<CampaignStatus> NotEditable => [CampaignStatus.Running, CampaignStatus.Paused, CampaignStatus.Completed, CampaignStatus.Failed, CampaignStatus.Cancelled];

    [Theory]
    [MemberData(nameof(NotEditable))]
    public async Task Every_step_refuses_to_show_or_save_a_campaign_that_is_no_longer_a_draft_or_scheduled(CampaignStatus status)
    {
        var (account, template) = await SenderAsync($"Locked {status}");
        var id = await app.AddCampaignAsync($"Locked {status}", account, template, status, wizardStep: 5);
        var before = await app.FindCampaignAsync(id);
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var expected = $"“Locked {status}” is {status.Describe()}: only drafts and scheduled campaigns can be changed. Copy it to make a new draft.";

        foreach (var step in StepPaths)
        {
            var get = await client.GetAsync($"/campaigns/{id}/{step}");
            get.StatusCode.Should().Be(HttpStatusCode.Conflict, step);
            var page = await get.ReadHtmlAsync();
            page.QuerySelector("[data-testid=edit-refused]").Text().Should().StartWith(expected, step);
            page.QuerySelector("[data-testid=edit-refused] a")!.GetAttribute("href").Should().Be($"/campaigns/{id}");
        }

        var posts = new (string Step, string Form, Dictionary<string, string> Fields)[]
        {
            ("basics", "basics", new() { ["Input.Name"] = "Renamed", ["Input.AccountId"] = $"{account}", ["Input.TemplateId"] = $"{template}", ["Input.Command"] = "save" }),
            ("schedule", "schedule", new() { ["Input.Kind"] = "Now", ["Input.TimeZoneId"] = "UTC" }),
            ("review", "review", new() { ["Review.Command"] = "run" }),
            ("review", "review", new() { ["Review.Command"] = "schedule" }),
        };
        foreach (var (step, form, fields) in posts)
        {
            var response = await client.PostFormAsync($"/campaigns/{id}/{step}", form, fields);
            response.StatusCode.Should().Be(HttpStatusCode.Conflict, step);
            (await response.ReadHtmlAsync()).QuerySelector("[data-testid=edit-refused]").Text().Should().StartWith(expected, step);
        }

        var after = await app.FindCampaignAsync(id);
        after.Should().BeEquivalentTo(before, "nothing may change");
        (await app.AuditActionsAsync($"#{id} ")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_viewer_cannot_open_or_post_the_wizard_steps()
    {
        var (account, template) = await SenderAsync("Viewer wizard");
        var id = await app.AddCampaignAsync("Viewer wizard", account, template);
        var before = await app.WithDbAsync(db => db.Campaigns.CountAsync());
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);

        foreach (var url in new[] { "/campaigns/new", $"/campaigns/{id}/basics", $"/campaigns/{id}/schedule", $"/campaigns/{id}/review" })
        {
            var response = await viewer.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied", url);
        }

        var posts = new (string Url, string Form, Dictionary<string, string> Fields)[]
        {
            ("/campaigns/new", "basics", new() { ["Input.Name"] = "Sneaky", ["Input.AccountId"] = $"{account}", ["Input.TemplateId"] = $"{template}" }),
            ($"/campaigns/{id}/basics", "basics", new() { ["Input.Name"] = "Sneaky", ["Input.AccountId"] = $"{account}", ["Input.TemplateId"] = $"{template}" }),
            ($"/campaigns/{id}/schedule", "schedule", new() { ["Input.Kind"] = "Now", ["Input.TimeZoneId"] = "UTC" }),
            ($"/campaigns/{id}/review", "review", new() { ["Review.Command"] = "run" }),
            ($"/campaigns/{id}/review", "review", new() { ["Review.Command"] = "schedule" }),
        };
        foreach (var (url, form, fields) in posts)
        {
            var response = await viewer.PostFormAsync(url, form, fields);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied", url);
        }

        (await app.WithDbAsync(db => db.Campaigns.CountAsync())).Should().Be(before);
        var campaign = (await app.FindCampaignAsync(id))!;
        (campaign.Name, campaign.Status).Should().Be(("Viewer wizard", CampaignStatus.Draft));
    }

    [Fact]
    public async Task A_viewer_cannot_copy_delete_or_cancel_even_by_posting_the_forms_by_hand()
    {
        var (account, template) = await SenderAsync("Viewer actions");
        var id = await app.AddCampaignAsync("Viewer actions", account, template, CampaignStatus.Scheduled);
        var before = await app.WithDbAsync(db => db.Campaigns.CountAsync());
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);

        var campaignPage = await viewer.GetPageAsync($"/campaigns/{id}");
        campaignPage.QuerySelectorAll("[data-testid=campaign-actions] [data-action]").Should().BeEmpty();

        foreach (var (url, form, command, message) in new[]
        {
            ("/campaigns", "campaign-actions", $"copy:{id}", "Your role cannot create campaigns, so it cannot copy them either."),
            ("/campaigns", "campaign-actions", $"delete:{id}", "Your role cannot delete campaigns."),
            ($"/campaigns/{id}", "campaign-page-actions", $"copy:{id}", "Your role cannot create campaigns, so it cannot copy them either."),
            ($"/campaigns/{id}", "campaign-page-actions", $"delete:{id}", "Your role cannot delete campaigns."),
            ($"/campaigns/{id}", "campaign-page-actions", $"cancel:{id}", "Your role cannot cancel campaigns."),
        })
        {
            var response = await viewer.PostFormAsync(url, form, new Dictionary<string, string> { ["Action.Command"] = command });
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, $"{url} {command}");
            (await response.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]").Text().Should().Be(message);
        }

        (await app.WithDbAsync(db => db.Campaigns.CountAsync())).Should().Be(before);
        (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Scheduled);
    }

    [Fact]
    public async Task A_marketer_copies_and_deletes_from_the_list()
    {
        var (account, template) = await SenderAsync("Marketer list");
        var source = await app.AddCampaignAsync("Marketer source", account, template, CampaignStatus.Completed);
        var running = await app.AddCampaignAsync("Marketer running", account, template, CampaignStatus.Running);
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var list = await marketer.GetPageAsync("/campaigns?size=50");

        var copied = await marketer.SubmitAsync(list.Form("campaign-actions"), submitter: ("Action.Command", $"copy:{source}"));
        var target = copied.RedirectTarget();
        target.Should().MatchRegex(@"^/campaigns/\d+/basics$");
        var copyPage = await marketer.GetPageAsync(target);
        copyPage.QuerySelector("h1")!.TextContent.Should().Be("Copy of Marketer source");
        copyPage.FlashTexts().Should().Contain("A copy of “Marketer source” is a new draft: check the basics, then the other steps.");

        var refused = await marketer.SubmitAsync(list.Form("campaign-actions"), submitter: ("Action.Command", $"delete:{running}"));
        (await refused.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]").Text().Should()
            .Be("“Marketer running” is running: cancel it (or let it finish) before deleting it.");

        var deleted = await marketer.SubmitAsync(list.Form("campaign-actions"), submitter: ("Action.Command", $"delete:{source}"));
        deleted.RedirectTarget().Should().Be("/campaigns?size=50", "the list keeps its view after an action");
        (await app.FindCampaignAsync(source)).Should().BeNull();
        (await marketer.GetPageAsync("/campaigns?size=50")).FlashTexts().Should().Contain("“Marketer source” has been deleted.");
    }
}
