using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Rendering;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Features.Contacts;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Step 3 through its page: a source for every variable, fallbacks, empty-value counts and the preview.</summary>
public sealed class ParametersStepPageTests(AudienceAppFactory app) : IClassFixture<AudienceAppFactory>
{
    /// <summary>Ten body variables written in reverse order, a header variable, a URL button and a copy-code button.</summary>
    private const string TenVariables = """
        [{"type":"HEADER","format":"TEXT","text":"News for {{1}}"},
         {"type":"BODY","text":"{{10}}|{{9}}|{{8}}|{{7}}|{{6}}|{{5}}|{{4}}|{{3}}|{{2}}|{{1}}"},
         {"type":"FOOTER","text":"Reply STOP to opt out"},
         {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop"},
           {"type":"URL","text":"Open","url":"https://shop.example/c/{{1}}"},{"type":"COPY_CODE","example":"X1"}]}]
        """;

    /// <summary>A draft whose audience (contacts with <paramref name="label"/>) was chosen in step 2.</summary>
    private async Task<int> CampaignForLabelAsync(string components, string label, Action<Campaign>? arrange = null)
    {
        var templateId = await app.CreateTemplateAsync(components);
        return await app.CreateCampaignAsync(templateId, arrange: campaign =>
        {
            campaign.WizardStep = 2;
            new AudienceSettings { Contacts = new ContactsAudience { Labels = [label] } }.WriteTo(campaign);
            arrange?.Invoke(campaign);
        });
    }

    private async Task AddTenFieldContactsAsync(string label, int count)
    {
        for (var n = 1; n <= count; n++)
        {
            var attributes = Enumerable.Range(1, 10).ToDictionary(i => $"f{i}", i => $"c{n}v{i}");
            attributes["code"] = $"C{n}";
            await app.AddContactAsync($"+4477007{label.Length:D2}{n:D3}", $"Person {n}", [label], attributes: attributes);
        }
    }

    [Fact]
    public async Task Ten_variables_are_mapped_saved_and_previewed_in_numeric_order_for_the_first_five_recipients()
    {
        await AddTenFieldContactsAsync("pp-ten", 6);
        var campaignId = await CampaignForLabelAsync(TenVariables, "pp-ten");
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{campaignId}/parameters");

        page.QuerySelector("h1")!.TextContent.Should().Be("Parameters");
        page.QuerySelectorAll("[data-slot] label.fw-semibold").Select(l => l.TextContent.Trim()).Should().Equal(
            new[] { "Header {{1}}" }.Concat(Enumerable.Range(1, 10).Select(i => $"Body {{{{{i}}}}}")).Concat(new[] { "Button 2 URL {{1}}", "Button 3 coupon code" }));
        page.QuerySelectorAll("#source-1 option").Select(o => o.GetAttribute("value")).Should().StartWith(
            new[] { "", "field:phone", "field:name", "field:code", "field:f1", "field:f10", "field:f2" });

        var values = new Dictionary<string, string> { ["Form.Source[0]"] = "text", ["Form.Value[0]"] = "friends" };
        for (var i = 1; i <= 10; i++)
            values[$"Form.Source[{i}]"] = $"field:f{i}";
        values["Form.Source[11]"] = "field:code";
        values["Form.Source[12]"] = "text";
        values["Form.Value[12]"] = "SPRING";
        var saved = await client.SubmitAsync(page.Form("parameters"), values, ("Form.Command", "save"));

        saved.RedirectTarget().Should().Be($"/campaigns/{campaignId}/schedule");
        var campaign = await app.FindCampaignAsync(campaignId);
        campaign.WizardStep.Should().Be(3);
        var mappings = ParameterMappings.Read(campaign);
        mappings.Keys.Should().BeEquivalentTo(
            new[] { "header.1" }.Concat(Enumerable.Range(1, 10).Select(i => $"body.{i}")).Concat(new[] { "button.1.1", "button.2.coupon" }));
        mappings["body.10"].Should().Be(new ParameterMapping(MappingSource.Field, Field: "f10"));
        mappings["button.2.coupon"].Should().Be(new ParameterMapping(MappingSource.Text, Text: "SPRING"));
        (await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "campaigns.parameters" && e.Actor == user.Email))).Should().Be(1);

        var back = await client.GetPageAsync($"/campaigns/{campaignId}/parameters");
        back.QuerySelector("#source-10 option[selected]")!.GetAttribute("value").Should().Be("field:f10");
        back.QuerySelector<IHtmlInputElement>("#value-12")!.Value.Should().Be("SPRING");
        var previews = back.QuerySelectorAll("[data-testid=preview]").ToList();
        previews.Should().HaveCount(5, "the preview shows the first five recipients");
        previews.Select(p => p.GetAttribute("data-phone")).Should().Equal(Enumerable.Range(1, 5).Select(n => $"+447700706{n:D3}"));
        previews[0].Text("rendered-header").Should().Be("News for friends");
        previews[0].Text("rendered-body").Should().Be("c1v10|c1v9|c1v8|c1v7|c1v6|c1v5|c1v4|c1v3|c1v2|c1v1");
        previews[0].Text("rendered-footer").Should().Be("Reply STOP to opt out");
        previews[0].QuerySelectorAll("[data-testid=button-url]").Select(e => e.TextContent).Should().Equal("https://shop.example/c/C1");
        previews[0].QuerySelectorAll("[data-testid=button-code]").Select(e => e.TextContent).Should().Equal("SPRING");
        previews[4].Text("rendered-body").Should().StartWith("c5v10|c5v9");
        back.Text("empty-summary").Should().Be("No recipient would get an empty value.");
    }

    [Fact]
    public async Task The_preview_on_the_page_is_what_will_be_sent_to_each_recipient()
    {
        await AddTenFieldContactsAsync("pp-same", 3);
        var campaignId = await CampaignForLabelAsync(TenVariables, "pp-same", campaign =>
        {
            var mappings = Enumerable.Range(1, 10).ToDictionary(i => $"body.{i}", i => new ParameterMapping(MappingSource.Field, Field: $"F{i}"));
            mappings["header.1"] = new(MappingSource.Field, Field: "name");
            mappings["button.1.1"] = new(MappingSource.Field, Field: "code");
            mappings["button.2.coupon"] = new(MappingSource.Field, Field: "phone");
            ParameterMappings.Write(campaign, mappings);
        });
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{campaignId}/parameters");

        var campaign = await app.WithDbAsync(db => db.Campaigns.AsNoTracking().Include(c => c.Template).SingleAsync(c => c.Id == campaignId));
        var renderer = MessageRenderer.For(campaign.Template!, ParameterMappings.Read(campaign));
        var members = await app.ResolveAsync(AudienceSpec.Of(campaign));
        var previews = page.QuerySelectorAll("[data-testid=preview]").ToList();
        previews.Should().HaveCount(3);
        foreach (var preview in previews)
        {
            var member = members.Single(m => m.Phone == preview.GetAttribute("data-phone"));
            var message = renderer.Render(member, null).Message;
            var sent = SentText.FromPayload(renderer.Definition, TemplateMessagePayload.Build(message));

            message.To.Should().Be(member.Phone.TrimStart('+'));
            preview.Text("rendered-header").Should().Be(sent.Header);
            preview.Text("rendered-body").Should().Be(sent.Body);
            preview.QuerySelectorAll("[data-testid=button-url]").Select(e => e.TextContent).Should().Equal(sent.Urls);
            preview.QuerySelectorAll("[data-testid=button-code]").Select(e => e.TextContent).Should().Equal(sent.Codes);
        }
    }

    [Fact]
    public async Task Moving_on_is_refused_while_a_variable_is_unmapped_with_a_message_next_to_each()
    {
        await AddTenFieldContactsAsync("pp-unmapped", 1);
        var campaignId = await CampaignForLabelAsync(TenVariables, "pp-unmapped");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var form = (await client.GetPageAsync($"/campaigns/{campaignId}/parameters")).Form("parameters");

        var refused = await client.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Form.Source[1]"] = "field:f1",
            ["Form.Source[2]"] = "other",
            ["Form.Source[3]"] = "text",
        }, ("Form.Command", "save"));

        refused.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await refused.ReadHtmlAsync();
        page.Text("parameters-error").Should().Be("Every variable needs a source before moving on: 10 are not mapped yet.");
        page.ValidationMessageFor("source-0").Should().Be("Choose where {{1}} comes from.");
        page.ValidationMessageFor("source-1").Should().BeNull();
        page.ValidationMessageFor("source-2").Should().Be("Choose the audience field, or type its name.");
        page.ValidationMessageFor("source-3").Should().Be("Enter the text every recipient gets.");
        page.ValidationMessageFor("source-4").Should().Be("Choose where {{4}} comes from.");
        page.ValidationMessageFor("source-12").Should().Be("Choose where the coupon code comes from.");
        page.QuerySelector("#source-1 option[selected]")!.GetAttribute("value").Should().Be("field:f1", "what was chosen stays chosen");
        var campaign = await app.FindCampaignAsync(campaignId);
        campaign.WizardStep.Should().Be(2);
        campaign.ParameterMappingsJson.Should().Be("{}");
    }

    [Fact]
    public async Task Blank_fields_are_counted_and_a_fallback_fills_them()
    {
        await app.AddContactAsync("+447700710001", "Ann", ["pp-fallback"], attributes: new() { ["city"] = "Leeds" });
        await app.AddContactAsync("+447700710002", "Bob", ["pp-fallback"], attributes: new() { ["City"] = "  " });
        await app.AddContactAsync("+447700710003", "Cat", ["pp-fallback"]);
        var campaignId = await CampaignForLabelAsync("""[{"type":"BODY","text":"Hello {{1}} from {{2}}"}]""", "pp-fallback");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var form = (await client.GetPageAsync($"/campaigns/{campaignId}/parameters")).Form("parameters");
        var sources = new Dictionary<string, string> { ["Form.Source[0]"] = "field:name", ["Form.Source[1]"] = "other", ["Form.Value[1]"] = "CITY" };

        var withoutFallback = await (await client.SubmitAsync(form, sources, ("Form.Command", "preview"))).ReadHtmlAsync();

        withoutFallback.Text("empty-summary").Should().StartWith("2 recipients would get an empty value with no fallback.");
        withoutFallback.QuerySelector("[data-slot='body.2']")!.Text("empty-count").Should().Be("2 recipients have no value for this and there is no fallback.");
        withoutFallback.QuerySelector("[data-slot='body.1'] [data-testid=empty-count]").Should().BeNull();
        var bob = withoutFallback.QuerySelector("[data-testid=preview][data-phone='+447700710002']")!;
        bob.QuerySelector("mark.wa-var-empty")!.GetAttribute("data-variable").Should().Be("2");

        var saved = await client.SubmitAsync(form, new Dictionary<string, string>(sources) { ["Form.Fallback[1]"] = "your town" }, ("Form.Command", "save"));

        saved.RedirectTarget().Should().Be($"/campaigns/{campaignId}/schedule");
        var withFallback = await client.GetPageAsync($"/campaigns/{campaignId}/parameters");

        withFallback.Text("empty-summary").Should().Be("No recipient would get an empty value.");
        withFallback.QuerySelectorAll("[data-testid=preview] [data-testid=rendered-body]").Select(b => b.TextContent).Should().Equal(
            "Hello Ann from Leeds", "Hello Bob from your town", "Hello Cat from your town");
        ParameterMappings.Read(await app.FindCampaignAsync(campaignId))["body.2"]
            .Should().Be(new ParameterMapping(MappingSource.Field, Field: "CITY", Fallback: "your town"));
        withFallback.QuerySelector("#source-1 option[selected]")!.GetAttribute("value").Should().BeEquivalentTo("field:city", "fields match ignoring case");
    }

    [Fact]
    public async Task Days_left_needs_a_fallback_unless_the_campaign_is_recurring()
    {
        await app.AddContactAsync("+447700720001", "Dee", ["pp-days"]);
        var campaignId = await CampaignForLabelAsync("""[{"type":"BODY","text":"Only {{1}} days left"}]""", "pp-days");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var form = (await client.GetPageAsync($"/campaigns/{campaignId}/parameters")).Form("parameters");
        form.QuerySelector("#source-0 option[value=days-left]")!.TextContent.Trim().Should().Be("{days_left} (recurring campaigns only)");

        var refused = await (await client.SubmitAsync(form, new Dictionary<string, string> { ["Form.Source[0]"] = "days-left" }, ("Form.Command", "save"))).ReadHtmlAsync();
        refused.ValidationMessageFor("source-0").Should().Be(
            "{days_left} has a value only in recurring campaigns: add a fallback, or schedule the campaign as recurring.");

        var appToday = DateOnly.FromDateTime(DateTime.UtcNow + ContactsAppFactory.ClockShift);
        await app.UpdateCampaignAsync(campaignId, c =>
        {
            c.ScheduleKind = ScheduleKind.Recurring;
            c.Recurrence = RecurrenceFrequency.Daily;
            c.RecurrenceTime = new TimeOnly(9, 0);
            c.RecurrenceStart = appToday;
            c.RecurrenceEnd = appToday.AddDays(10);
        });
        var saved = await client.SubmitAsync(form, new Dictionary<string, string> { ["Form.Source[0]"] = "days-left" }, ("Form.Command", "save"));

        saved.RedirectTarget().Should().Be($"/campaigns/{campaignId}/schedule");
        var page = await client.GetPageAsync($"/campaigns/{campaignId}/parameters");
        page.Text("rendered-body").Should().Be("Only 10 days left", "days are counted from the app's today to the end date");
    }

    [Fact]
    public async Task A_media_header_needs_a_link_and_the_preview_shows_it()
    {
        await app.AddContactAsync("+447700730001", "Eve", ["pp-media"]);
        var campaignId = await CampaignForLabelAsync("""[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Our new look"}]""", "pp-media");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync($"/campaigns/{campaignId}/parameters");
        page.QuerySelectorAll("[data-slot] label.fw-semibold").Select(l => l.TextContent.Trim()).Should().Equal("Header image link");
        page.QuerySelector("#source-0 option[value=days-left]").Should().BeNull("a number of days is no file");

        var refused = await (await client.SubmitAsync(page.Form("parameters"),
            new Dictionary<string, string> { ["Form.Source[0]"] = "text", ["Form.Value[0]"] = "new-look.png" }, ("Form.Command", "save"))).ReadHtmlAsync();
        var saved = await client.SubmitAsync(page.Form("parameters"),
            new Dictionary<string, string> { ["Form.Source[0]"] = "text", ["Form.Value[0]"] = "https://cdn.example/new-look.png" }, ("Form.Command", "save"));

        refused.ValidationMessageFor("source-0").Should().Be("Enter the full address of the file, starting with https://.");
        saved.RedirectTarget().Should().Be($"/campaigns/{campaignId}/schedule");
        var after = await client.GetPageAsync($"/campaigns/{campaignId}/parameters");
        after.QuerySelector("[data-testid=rendered-media]")!.GetAttribute("data-format").Should().Be("Image");
        after.Text("rendered-media").Should().Be("https://cdn.example/new-look.png");
    }

    [Fact]
    public async Task The_step_waits_for_the_audience_and_a_template_without_variables_needs_nothing()
    {
        var templateId = await app.CreateTemplateAsync("""[{"type":"BODY","text":"Same for everyone"}]""");
        var early = await app.CreateCampaignAsync(templateId);
        await app.AddContactAsync("+447700740001", "Fox", ["pp-plain"]);
        var ready = await CampaignForLabelAsync("""[{"type":"BODY","text":"Same for everyone"}]""", "pp-plain");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var waiting = await client.GetPageAsync($"/campaigns/{early}/parameters");
        var plain = await client.GetPageAsync($"/campaigns/{ready}/parameters");
        var saved = await client.SubmitAsync(plain.Form("parameters"), submitter: ("Form.Command", "save"));

        waiting.Text("prerequisite").Should().StartWith("Choose the audience first");
        plain.Text("no-variables").Should().Be("This template has no variables: every recipient gets the same message.");
        plain.Text("rendered-body").Should().Be("Same for everyone");
        saved.RedirectTarget().Should().Be($"/campaigns/{ready}/schedule");
        (await app.FindCampaignAsync(ready)).WizardStep.Should().Be(3);
    }
}
