using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Step 2 through its page: contacts and named audiences, sizes, refusals and who may use it.</summary>
public sealed class AudienceStepPageTests(AudienceAppFactory app) : IClassFixture<AudienceAppFactory>
{
    private Task<int> NewCampaignAsync(Action<Campaign>? arrange = null) =>
        app.CreateTemplateAsync("""[{"type":"BODY","text":"Hi {{1}}"}]""").ContinueWith(t => app.CreateCampaignAsync(t.Result, arrange: arrange)).Unwrap();

    [Fact]
    public async Task A_contacts_audience_is_counted_saved_and_kept_when_coming_back()
    {
        await app.AddContactAsync("+447700600001", "One", ["pg-news"], attributes: new() { ["city"] = "Leeds" });
        await app.AddContactAsync("+447700600002", "Two", ["pg-news", "pg-staff"], attributes: new() { ["city"] = "Leeds" });
        await app.AddContactAsync("+447700600003", "Three", ["pg-news"], optedOut: true, attributes: new() { ["city"] = "Leeds" });
        await app.AddContactAsync("+447700600004", "Four", ["pg-news"], blocked: true, attributes: new() { ["city"] = "Leeds" });
        await app.AddContactAsync("+447700600005", "Five", ["pg-news"], attributes: new() { ["city"] = "York" });
        var campaignId = await NewCampaignAsync();
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{campaignId}/audience");
        page.QuerySelector("h1")!.TextContent.Should().Be("Audience");
        page.QuerySelector("[data-testid=audience-kinds] .active")!.GetAttribute("data-kind").Should().Be("contacts");
        var form = page.Form("audience");
        Tick(form, "include", "pg-news");
        Tick(form, "exclude", "pg-staff");

        var counted = await client.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Form.AttributeKey"] = "city",
            ["Form.AttributeValue"] = "leeds",
        }, ("Form.Command", "count"));

        counted.StatusCode.Should().Be(HttpStatusCode.OK);
        var countedPage = await counted.ReadHtmlAsync();
        countedPage.Text("audience-size").Should().Be("1 contact; 1 opted out and 1 blocked excluded.");
        (await app.FindCampaignAsync(campaignId)).WizardStep.Should().Be(1, "counting saves nothing");

        var saved = await client.SubmitAsync(countedPage.Form("audience"), submitter: ("Form.Command", "save"));

        saved.RedirectTarget().Should().Be($"/campaigns/{campaignId}/parameters");
        var campaign = await app.FindCampaignAsync(campaignId);
        campaign.AudienceKind.Should().Be(AudienceKind.Contacts);
        campaign.WizardStep.Should().Be(2);
        AudienceSettings.Read(campaign).Contacts.Should().BeEquivalentTo(new ContactsAudience
        {
            Labels = ["pg-news"], LabelMatch = LabelMatch.Any, ExcludeLabels = ["pg-staff"], ActiveOnly = true, AttributeKey = "city", AttributeValue = "leeds",
        }, options => options.ComparingByMembers<ContactsAudience>());
        (await app.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "campaigns.audience" && e.Target == "Spring sale" && e.Actor == user.Email)))
            .Details.Should().Be("kind=Contacts recipients=1");

        var back = await client.GetPageAsync($"/campaigns/{campaignId}/audience");
        back.QuerySelector<IHtmlInputElement>(LabelBox(back, "include", "pg-news"))!.IsChecked.Should().BeTrue();
        back.QuerySelector<IHtmlInputElement>(LabelBox(back, "exclude", "pg-staff"))!.IsChecked.Should().BeTrue();
        back.QuerySelector<IHtmlInputElement>("#attribute-value")!.Value.Should().Be("leeds");
        back.Text("audience-size").Should().Be("1 contact; 1 opted out and 1 blocked excluded.");
        back.QuerySelector("[data-testid=back]")!.GetAttribute("href").Should().Be($"/campaigns/{campaignId}/basics");
    }

    [Fact]
    public async Task An_empty_audience_and_half_filled_attribute_are_refused_with_messages()
    {
        await app.AddContactAsync("+447700610001", "Gone", ["pg-empty"], optedOut: true);
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var form = (await client.GetPageAsync($"/campaigns/{campaignId}/audience")).Form("audience");
        Tick(form, "include", "pg-empty");

        var empty = await client.SubmitAsync(form, submitter: ("Form.Command", "save"));
        var halfAttribute = await client.SubmitAsync(form, new Dictionary<string, string> { ["Form.AttributeKey"] = "city" }, ("Form.Command", "save"));
        var bothLists = await client.SubmitAsync(form, new Dictionary<string, string> { [LabelName(form, "exclude", "pg-empty")] = "on" }, ("Form.Command", "save"));

        empty.StatusCode.Should().Be(HttpStatusCode.OK);
        var emptyPage = await empty.ReadHtmlAsync();
        emptyPage.Text("audience-error").Should().Be("Every contact these choices select has opted out or is blocked: change the choices before moving on.");
        emptyPage.Text("audience-size").Should().Be("0 contacts; 1 opted out and 0 blocked excluded.");
        (await halfAttribute.ReadHtmlAsync()).ValidationMessageFor("attribute-value").Should().Be("Enter the value the attribute must have, or clear the attribute.");
        (await bothLists.ReadHtmlAsync()).Text("audience-error").Should().Be("Correct the marked choices before moving on.");
        (await app.FindCampaignAsync(campaignId)).WizardStep.Should().Be(1);
    }

    [Fact]
    public async Task Registered_named_audiences_appear_in_the_dropdown_and_one_can_be_chosen()
    {
        var campaignId = await NewCampaignAsync(c => c.DefaultCountryCode = "44");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{campaignId}/audience?kind=named");

        page.QuerySelectorAll("#provider option").Select(o => (o.GetAttribute("value"), o.TextContent)).Should().Equal(
            ("", "Choose…"), ("recent-contacts", "Contacts added in the last 30 days"), ("test-vips", "Test VIPs"));
        page.Text("audience-size").Should().Be("Choose a named audience to see how many people it reaches.");

        var unchosen = await client.SubmitAsync(page.Form("audience"), submitter: ("Form.Command", "save"));
        (await unchosen.ReadHtmlAsync()).ValidationMessageFor("provider").Should().Be("Choose a named audience.");

        var counted = await client.SubmitAsync(page.Form("audience"), new Dictionary<string, string> { ["Form.ProviderKey"] = "test-vips" }, ("Form.Command", "count"));
        (await counted.ReadHtmlAsync()).Text("audience-size").Should().Be("3 recipients; 0 opted out and 0 blocked excluded.");

        var saved = await client.SubmitAsync(page.Form("audience"), new Dictionary<string, string> { ["Form.ProviderKey"] = "test-vips" }, ("Form.Command", "save"));
        saved.RedirectTarget().Should().Be($"/campaigns/{campaignId}/parameters");
        var campaign = await app.FindCampaignAsync(campaignId);
        campaign.AudienceKind.Should().Be(AudienceKind.Named);
        AudienceSettings.Read(campaign).ProviderKey.Should().Be("test-vips");

        var members = await app.ResolveAsync(AudienceSpec.Of(campaign));
        members.Select(m => m.Name).Should().Equal("Vip One", "Vip Two", "Vip Three");
        (await client.GetPageAsync($"/campaigns/{campaignId}/audience")).QuerySelector("#provider option[selected]")!.GetAttribute("value").Should().Be("test-vips");
    }

    [Fact]
    public async Task Switching_kinds_keeps_the_other_kinds_settings()
    {
        await app.AddContactAsync("+447700620001", "Kept", ["pg-keep"]);
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var form = (await client.GetPageAsync($"/campaigns/{campaignId}/audience")).Form("audience");
        Tick(form, "include", "pg-keep");
        await client.SubmitAsync(form, submitter: ("Form.Command", "save"));

        var named = (await client.GetPageAsync($"/campaigns/{campaignId}/audience?kind=named")).Form("audience");
        await client.SubmitAsync(named, new Dictionary<string, string> { ["Form.ProviderKey"] = "test-vips" }, ("Form.Command", "save"));

        var settings = AudienceSettings.Read(await app.FindCampaignAsync(campaignId));
        settings.ProviderKey.Should().Be("test-vips");
        settings.Contacts.Labels.Should().Equal("pg-keep");
        var contactsTab = await client.GetPageAsync($"/campaigns/{campaignId}/audience?kind=contacts");
        contactsTab.QuerySelector<IHtmlInputElement>(LabelBox(contactsTab, "include", "pg-keep"))!.IsChecked.Should().BeTrue();
    }

    [Fact]
    public async Task A_viewer_can_neither_open_nor_post_the_audience_and_parameters_steps()
    {
        var campaignId = await NewCampaignAsync();
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var upload = (await marketer.UploadAudienceCsvAsync(campaignId, "phone\n+4915100900001\n")).RedirectTarget();
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);
        var token = await AntiforgeryTokenAsync(viewer);

        foreach (var url in new[] { $"/campaigns/{campaignId}/audience", upload, $"/campaigns/{campaignId}/parameters", $"/campaigns/{campaignId}/audience/rejects" })
        {
            var response = await viewer.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, "a viewer may not open {0}", url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        }
        var posts = new (string Url, Dictionary<string, string> Fields)[]
        {
            ($"/campaigns/{campaignId}/audience", new() { ["_handler"] = "audience", ["Form.Kind"] = "named", ["Form.ProviderKey"] = "test-vips", ["Form.Command"] = "save" }),
            ($"/campaigns/{campaignId}/parameters", new() { ["_handler"] = "parameters", ["Form.Keys[0]"] = "body.1", ["Form.Source[0]"] = "field:name", ["Form.Command"] = "save" }),
        };
        foreach (var (url, fields) in posts)
        {
            fields["__RequestVerificationToken"] = token;
            var response = await viewer.PostAsync(url, new FormUrlEncodedContent(fields));
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied", "a viewer may not post to {0}", url);
        }
        var uploaded = await viewer.PostAsync($"/campaigns/{campaignId}/audience/upload", new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent("phone\n+4915100900002\n"u8.ToArray()), "file", "x.csv" },
        });
        uploaded.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");

        var campaign = await app.FindCampaignAsync(campaignId);
        campaign.WizardStep.Should().Be(1);
        campaign.AudienceKind.Should().Be(AudienceKind.Contacts);
        campaign.ParameterMappingsJson.Should().Be("{}");
    }

    [Fact]
    public async Task A_running_campaign_cannot_be_edited_in_either_step()
    {
        await app.AddContactAsync("+447700630001", "Runner", ["pg-run"]);
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var audience = (await client.GetPageAsync($"/campaigns/{campaignId}/audience")).Form("audience");
        Tick(audience, "include", "pg-run");
        await app.UpdateCampaignAsync(campaignId, c => c.MoveTo(CampaignStatus.Running));

        var page = await client.GetAsync($"/campaigns/{campaignId}/audience");
        var post = await client.SubmitAsync(audience, submitter: ("Form.Command", "save"));
        var parameters = await client.GetAsync($"/campaigns/{campaignId}/parameters");
        var parametersPost = await client.PostAsync($"/campaigns/{campaignId}/parameters", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "parameters", ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(client),
            ["Form.Keys[0]"] = "body.1", ["Form.Source[0]"] = "field:name", ["Form.Command"] = "save",
        }));
        var upload = await client.PostAsync($"/campaigns/{campaignId}/audience/upload", new MultipartFormDataContent
        {
            { new StringContent(await AntiforgeryTokenAsync(client)), "__RequestVerificationToken" },
            { new ByteArrayContent("phone\n+4915100900003\n"u8.ToArray()), "file", "x.csv" },
        });

        page.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await page.ReadHtmlAsync()).Text("refusal").Should().Be(
            "“Spring sale” is running: only drafts and scheduled campaigns can be changed. Copy it to make a new draft.");
        post.StatusCode.Should().Be(HttpStatusCode.Conflict);
        parameters.StatusCode.Should().Be(HttpStatusCode.Conflict);
        parametersPost.StatusCode.Should().Be(HttpStatusCode.Conflict);
        upload.RedirectTarget().Should().Be($"/campaigns/{campaignId}/audience?kind=csv");
        var campaign = await app.FindCampaignAsync(campaignId);
        campaign.WizardStep.Should().Be(1);
        AudienceSettings.Read(campaign).Contacts.Labels.Should().BeEmpty();
        campaign.ParameterMappingsJson.Should().Be("{}");
        (await app.AudienceRowsAsync(campaignId)).Should().BeEmpty();
        (await client.GetAsync("/campaigns/987654/audience")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private static async Task<string> AntiforgeryTokenAsync(HttpClient client) =>
        (await client.GetPageAsync("/")).QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

    private static string LabelBox(AngleSharp.Dom.IParentNode page, string list, string label)
    {
        var id = page.QuerySelectorAll($"[data-testid={list}-labels] label")
            .Single(l => l.TextContent.Trim().StartsWith(label + " ", StringComparison.Ordinal) || l.TextContent.Trim() == label).GetAttribute("for");
        return "#" + id;
    }

    private static string LabelName(IHtmlFormElement form, string list, string label) =>
        form.QuerySelector<IHtmlInputElement>(LabelBox(form, list, label))!.Name!;

    private static void Tick(IHtmlFormElement form, string list, string label) =>
        form.QuerySelector<IHtmlInputElement>(LabelBox(form, list, label))!.IsChecked = true;
}
