using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>Adding and editing contacts, and managing labels.</summary>
public sealed class ContactEditTests(ContactsAppFactory app) : IClassFixture<ContactsAppFactory>
{
    [Fact]
    public async Task A_new_contact_gets_an_E164_number_its_labels_and_attributes()
    {
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync("/contacts/new");
        page.QuerySelector("h1")!.TextContent.Should().Be("New contact");

        var response = await client.SubmitAsync(page.Form("contact"), new Dictionary<string, string>
        {
            ["Input.Name"] = "  Ngozi Okafor ",
            ["Input.Phone"] = "0803 555 0101",
            ["Input.DefaultCountryCode"] = "234",
            ["Input.Labels"] = "VIP, lagos , vip",
            ["Input.Attributes"] = "city = Lagos\r\n\r\nplan=gold=plus\r\n",
        });

        var contact = (await app.FindContactAsync("+2348035550101"))!;
        response.RedirectTarget().Should().Be($"/contacts/{contact.Id}");
        (await client.FollowAsync(response)).FlashTexts().Should().Equal("The contact has been added.");
        contact.Name.Should().Be("Ngozi Okafor");
        contact.Labels.Select(l => l.Name).Should().BeEquivalentTo("vip", "lagos");
        contact.Attributes.Should().Equal(new Dictionary<string, string> { ["city"] = "Lagos", ["plan"] = "gold=plus" });
        contact.IsActive.Should().BeTrue();
        contact.CreatedAt.Should().BeCloseTo(DateTimeOffset.UtcNow + ContactsAppFactory.ClockShift, TimeSpan.FromMinutes(1));
        (await app.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "contacts.create" && e.Target == "+2348035550101")))
            .Actor.Should().Be(user.Email);
    }

    [Fact]
    public async Task Invalid_input_is_explained_next_to_each_field_and_nothing_is_saved()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync("/contacts/new");

        var response = await client.SubmitAsync(page.Form("contact"), new Dictionary<string, string>
        {
            ["Input.Name"] = "Florist",
            ["Input.Phone"] = "1-800-FLOWERS",
            ["Input.Labels"] = "ok, no/slash",
            ["Input.Attributes"] = "city=Leeds\njust text",
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.ReadHtmlAsync();
        result.ValidationMessageFor("contact-phone").Should().Be("\"1-800-FLOWERS\" contains letters; enter the number with digits only.");
        result.ValidationMessageFor("contact-labels").Should().Contain("\"no/slash\" may only contain");
        result.ValidationMessageFor("contact-attributes").Should().Be("Line 2 (\"just text\") is not of the form key=value.");
        result.QuerySelector<IHtmlInputElement>("#contact-name")!.Value.Should().Be("Florist", "what was typed is kept");

        var national = await client.SubmitAsync(page.Form("contact"), new Dictionary<string, string> { ["Input.Phone"] = "07911 555000" });
        (await national.ReadHtmlAsync()).ValidationMessageFor("contact-phone").Should().Contain("has no country code");

        var empty = await client.SubmitAsync(page.Form("contact"), new Dictionary<string, string> { ["Input.Phone"] = "" });
        (await empty.ReadHtmlAsync()).ValidationMessageFor("contact-phone").Should().Be("Enter a phone number.");
        (await app.WithDbAsync(db => db.Contacts.CountAsync(c => c.Name == "Florist"))).Should().Be(0);
    }

    [Fact]
    public async Task A_phone_that_is_already_taken_links_to_the_contact_that_has_it()
    {
        var existingId = await app.AddContactAsync("+447700900123", "Existing Person");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync("/contacts/new");

        var response = await client.SubmitAsync(page.Form("contact"), new Dictionary<string, string>
        {
            ["Input.Name"] = "Someone Else",
            ["Input.Phone"] = "07700 900123",
            ["Input.DefaultCountryCode"] = "+44",
            ["Input.Labels"] = "brand-new-label",
        });

        var result = await response.ReadHtmlAsync();
        var message = result.QuerySelector("[data-testid=duplicate-phone]")!;
        message.TextContent.Should().Contain("Another contact already has the number +447700900123.");
        message.QuerySelector<IHtmlAnchorElement>("a")!.GetAttribute("href").Should().Be($"/contacts/{existingId}");
        result.ValidationMessageFor("contact-phone").Should().StartWith("Another contact already has the number");
        (await app.WithDbAsync(db => db.Labels.AnyAsync(l => l.Name == "brand-new-label"))).Should().BeFalse("nothing is half-saved");
    }

    [Fact]
    public async Task Editing_changes_the_contact_and_its_labels()
    {
        var id = await app.AddContactAsync("+447700900200", "Before", labels: ["keep", "drop"], attributes: new() { ["a"] = "1" });
        var (client, user) = await app.SignedInClientAsync(Roles.Admin);
        var page = await client.GetPageAsync($"/contacts/{id}");
        var form = page.Form("contact");
        form.QuerySelector<IHtmlInputElement>("#contact-name")!.Value.Should().Be("Before");
        form.QuerySelector<IHtmlInputElement>("#contact-labels")!.Value.Should().Be("drop, keep");
        form.QuerySelector<IHtmlInputElement>("#contact-active")!.IsChecked = false;

        var response = await client.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Name"] = "After",
            ["Input.Phone"] = "+44 7700 900201",
            ["Input.Labels"] = "keep, added",
            ["Input.Attributes"] = "b=2",
        });

        response.RedirectTarget().Should().Be($"/contacts/{id}");
        var contact = await app.WithDbAsync(db => db.Contacts.Include(c => c.Labels).SingleAsync(c => c.Id == id));
        contact.Name.Should().Be("After");
        contact.Phone.Should().Be("+447700900201");
        contact.Labels.Select(l => l.Name).Should().BeEquivalentTo("keep", "added");
        contact.Attributes.Should().Equal(new Dictionary<string, string> { ["b"] = "2" });
        contact.IsActive.Should().BeFalse("the Active box was unticked");
        var audit = await app.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "contacts.update" && e.Target == "+447700900201"));
        audit.Actor.Should().Be(user.Email);
        audit.Details.Should().Be("phone +447700900200 -> +447700900201");
        (await app.WithDbAsync(db => db.Labels.AnyAsync(l => l.Name == "drop"))).Should().BeTrue("removing a label from a contact keeps the label");
    }

    [Fact]
    public async Task An_unknown_contact_is_not_found()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var response = await client.GetAsync("/contacts/987654321");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.ReadHtmlAsync()).QuerySelector("h1")!.TextContent.Should().Be("Page not found");
    }

    [Fact]
    public async Task Labels_can_be_created_renamed_and_deleted_with_their_counts_shown()
    {
        await app.AddContactAsync("+447700900301", "L1", labels: ["team-a"]);
        await app.AddContactAsync("+447700900302", "L2", labels: ["team-a", "team-b"]);
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync("/contacts/labels");
        Count(page, "team-a").Should().Be("2");
        Count(page, "team-b").Should().Be("1");
        page.QuerySelector("tr[data-label='team-a'] [data-testid=label-count] a")!.GetAttribute("href").Should().Be("/contacts?label=team-a");

        var created = await client.SubmitAsync(page.Form("create-label"), new Dictionary<string, string> { ["NewLabel.Name"] = " Spring Fair " });
        (await client.FollowAsync(created)).FlashTexts().Should().Equal("The label \"spring fair\" has been added.");
        var again = await client.SubmitAsync(page.Form("create-label"), new Dictionary<string, string> { ["NewLabel.Name"] = "SPRING FAIR" });
        (await again.ReadHtmlAsync()).ValidationMessageFor("label-name").Should().Be("The label \"spring fair\" already exists.");

        page = await client.GetPageAsync("/contacts/labels");
        var teamA = await app.WithDbAsync(db => db.Labels.SingleAsync(l => l.Name == "team-a"));
        var clash = await client.SubmitAsync(page.Form("label-actions"),
            new Dictionary<string, string> { [$"Action.Names[{teamA.Id}]"] = "team-b" }, ("Action.Command", $"rename:{teamA.Id}"));
        (await clash.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]")!.TextContent.Should().Be("The label \"team-b\" already exists.");

        var renamed = await client.SubmitAsync(page.Form("label-actions"),
            new Dictionary<string, string> { [$"Action.Names[{teamA.Id}]"] = "Team Alpha" }, ("Action.Command", $"rename:{teamA.Id}"));
        (await client.FollowAsync(renamed)).FlashTexts().Should().Equal("The label \"team-a\" is now \"team alpha\".");
        (await app.FindContactAsync("+447700900301"))!.Labels.Select(l => l.Name).Should().Equal("team alpha");

        page = await client.GetPageAsync("/contacts/labels");
        page.QuerySelector($"button[value='delete:{teamA.Id}']")!.GetAttribute("data-confirm")
            .Should().Be("Delete the label \"team alpha\"? It is removed from 2 contacts; the contacts stay.");
        var deleted = await client.SubmitAsync(page.Form("label-actions"), submitter: ("Action.Command", $"delete:{teamA.Id}"));
        (await client.FollowAsync(deleted)).FlashTexts().Should().Equal("The label \"team alpha\" has been deleted.");
        (await app.FindContactAsync("+447700900302"))!.Labels.Select(l => l.Name).Should().Equal("team-b");

        var actions = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.Actor == user.Email).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        actions.Should().Equal("labels.create", "labels.rename", "labels.delete");
    }

    private static string Count(IDocument page, string label) =>
        page.QuerySelector($"tr[data-label='{label}'] [data-testid=label-count]")!.TextContent.Trim();
}
