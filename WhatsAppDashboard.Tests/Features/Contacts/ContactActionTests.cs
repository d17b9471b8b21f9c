using System.Net;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>Opt-out, opt-in, block, unblock and delete: each changes the contact and leaves an audit entry.</summary>
public sealed class ContactActionTests(ContactsAppFactory app) : IClassFixture<ContactsAppFactory>
{
    [Fact]
    public async Task Opting_out_and_back_in_from_the_list_is_audited_and_returns_to_the_same_list()
    {
        var id = await app.AddContactAsync("+447700900401", "Olive Out", labels: ["actions"]);
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);
        const string list = "/contacts?q=olive&label=actions&size=20";
        var page = await client.GetPageAsync(list);

        var optOut = await client.SubmitAsync(page.Form("contact-actions"), submitter: ("Action.Command", $"optout:{id}"));

        optOut.RedirectTarget().Should().Be(list, "the user stays on the filtered page they were looking at");
        (await client.FollowAsync(optOut)).FlashTexts().Should().Equal("The contact is opted out: campaigns will skip them.");
        var contact = (await app.FindContactAsync("+447700900401"))!;
        contact.IsOptedOut.Should().BeTrue();
        contact.OptedOutAt.Should().BeCloseTo(DateTimeOffset.UtcNow + ContactsAppFactory.ClockShift, TimeSpan.FromMinutes(1),
            "the time comes from the app's clock");

        page = await client.GetPageAsync(list);
        page.QuerySelector($"button[value='optin:{id}']")!.GetAttribute("data-confirm").Should().Contain("asked to receive messages again");
        var optIn = await client.SubmitAsync(page.Form("contact-actions"), submitter: ("Action.Command", $"optin:{id}"));

        optIn.RedirectTarget().Should().Be(list);
        contact = (await app.FindContactAsync("+447700900401"))!;
        contact.IsOptedOut.Should().BeFalse();
        contact.OptedOutAt.Should().BeNull();
        var audit = await AuditAsync("+447700900401");
        audit.Should().Equal(("contacts.optout", user.Email), ("contacts.optin", user.Email));
    }

    [Fact]
    public async Task Blocking_and_unblocking_are_audited_and_repeating_an_action_changes_nothing()
    {
        var id = await app.AddContactAsync("+447700900402", "Bo Block");
        var (client, user) = await app.SignedInClientAsync(Roles.Admin);
        var page = await client.GetPageAsync("/contacts?q=bo%20block");
        var form = page.Form("contact-actions");

        (await client.SubmitAsync(form, submitter: ("Action.Command", $"block:{id}"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await app.FindContactAsync("+447700900402"))!.IsBlocked.Should().BeTrue();
        // The same button pressed again from a stale page.
        (await client.SubmitAsync(form, submitter: ("Action.Command", $"block:{id}"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await client.SubmitAsync(form, submitter: ("Action.Command", $"unblock:{id}"))).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await app.FindContactAsync("+447700900402"))!.IsBlocked.Should().BeFalse();
        (await AuditAsync("+447700900402")).Should().Equal(("contacts.block", user.Email), ("contacts.unblock", user.Email));
    }

    [Fact]
    public async Task An_action_on_a_contact_that_no_longer_exists_says_so()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        await app.AddContactAsync("+447700900403", "Ghost");
        var page = await client.GetPageAsync("/contacts?q=ghost");

        var response = await client.SubmitAsync(page.Form("contact-actions"), submitter: ("Action.Command", "optout:99999999"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.ReadHtmlAsync()).QuerySelector("[data-testid=action-error]")!.TextContent.Should().Be("That contact no longer exists.");
    }

    [Fact]
    public async Task The_contact_page_offers_the_same_actions_and_delete()
    {
        var id = await app.AddContactAsync("+447700900404", "Dee Lete");
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync($"/contacts/{id}");

        var optOut = await client.SubmitAsync(page.Form("contact-status"), submitter: ("Action.Command", $"optout:{id}"));
        var after = await client.FollowAsync(optOut);
        after.QuerySelector("[data-testid=opted-out]")!.TextContent.Trim().Should().StartWith("Yes, since");

        var delete = await client.SubmitAsync(after.Form("contact-status"), submitter: ("Action.Command", $"delete:{id}"));

        delete.RedirectTarget().Should().Be("/contacts");
        (await client.FollowAsync(delete)).FlashTexts().Should().Equal("+447700900404 has been deleted.");
        (await app.FindContactAsync("+447700900404")).Should().BeNull();
        (await AuditAsync("+447700900404")).Should().Equal(("contacts.optout", user.Email), ("contacts.delete", user.Email));
    }

    private Task<List<(string Action, string Actor)>> AuditAsync(string phone) => app.WithDbAsync(async db =>
        (await db.AuditEntries.Where(e => e.Target == phone).OrderBy(e => e.Id).ToListAsync())
            .Select(e => (e.Action, e.Actor)).ToList());
}
