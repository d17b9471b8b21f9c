using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>The contacts list: search, filters, paging and sorting in the query string, and the export of what it shows.</summary>
public sealed class ContactListTests(ContactsAppFactory app) : IClassFixture<ContactsAppFactory>
{
    [Fact]
    public async Task Search_matches_names_and_phones_case_insensitively_whatever_the_formatting()
    {
        await app.AddContactAsync("+4916000000001", "Zelda Quux");
        await app.AddContactAsync("+4916000000002", "zelda QUUXLEY");
        await app.AddContactAsync("+4916000000003", "Other Person");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        (await NamesAsync(client, "/contacts?q=ZELDA%20quu")).Should().BeEquivalentTo("Zelda Quux", "zelda QUUXLEY");
        (await NamesAsync(client, "/contacts?q=" + Uri.EscapeDataString("+49 160 0000 0003"))).Should().Equal("Other Person");
        (await NamesAsync(client, "/contacts?q=160000000")).Should().HaveCount(3, "a part of the number matches");
        (await NamesAsync(client, "/contacts?q=100%25")).Should().BeEmpty("% is searched for literally");

        var page = await client.GetPageAsync("/contacts?q=zelda");
        page.QuerySelector("[data-testid=result-count]")!.TextContent.Trim().Should().Be("Showing 1–2 of 2 contacts");
        page.QuerySelector<IHtmlInputElement>("#filter-q")!.Value.Should().Be("zelda", "the filter form shows the current search");
    }

    [Fact]
    public async Task Label_and_status_filters_narrow_the_list()
    {
        await app.AddContactAsync("+4916100000001", "F Active", labels: ["filtered"]);
        await app.AddContactAsync("+4916100000002", "F Opted out", labels: ["filtered"], optedOut: true);
        await app.AddContactAsync("+4916100000003", "F Blocked", labels: ["filtered"], blocked: true);
        await app.AddContactAsync("+4916100000004", "F Inactive", labels: ["filtered"], active: false);
        await app.AddContactAsync("+4916100000005", "F Unlabelled");
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        (await NamesAsync(client, "/contacts?label=filtered")).Should().HaveCount(4);
        (await NamesAsync(client, "/contacts?label=FILTERED&status=active")).Should().Equal("F Active");
        (await NamesAsync(client, "/contacts?label=filtered&status=opted-out")).Should().Equal("F Opted out");
        (await NamesAsync(client, "/contacts?label=filtered&status=blocked")).Should().Equal("F Blocked");
        (await NamesAsync(client, "/contacts?label=filtered&status=inactive")).Should().Equal("F Inactive");
        (await NamesAsync(client, "/contacts?label=filtered&status=nonsense")).Should().HaveCount(4, "an unknown status shows all");

        var empty = await client.GetPageAsync("/contacts?label=filtered&q=nobody");
        empty.QuerySelector("[data-testid=empty-state]")!.TextContent.Should().Contain("No contacts match these filters");

        var row = (await client.GetPageAsync("/contacts?label=filtered&status=opted-out")).QuerySelector("tr[data-phone='+4916100000002']")!;
        row.QuerySelector("[data-testid=status]")!.TextContent.Should().Contain("Opted out");
    }

    [Fact]
    public async Task Paging_and_sorting_live_in_the_address_and_links_keep_the_filters()
    {
        for (var i = 1; i <= 45; i++)
            await app.AddContactAsync($"+49162000000{i:D2}", $"Pager {i:D2}", labels: ["paging"],
                createdAt: new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(46 - i));
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var last = await client.GetPageAsync("/contacts?label=paging&size=20&page=3");
        Names(last).Should().Equal("Pager 41", "Pager 42", "Pager 43", "Pager 44", "Pager 45");
        last.QuerySelector("[data-testid=result-count]")!.TextContent.Trim().Should().Be("Showing 41–45 of 45 contacts");
        var pageLinks = last.QuerySelectorAll<IHtmlAnchorElement>("[data-testid=pager] a.page-link").Select(a => a.GetAttribute("href")).ToList();
        pageLinks.Should().Contain("/contacts?label=paging&page=2&size=20").And.Contain("/contacts?label=paging&size=20");

        (await NamesAsync(client, "/contacts?label=paging&size=20&sort=name&dir=desc")).First().Should().Be("Pager 45");
        (await NamesAsync(client, "/contacts?label=paging&size=20&sort=phone")).First().Should().Be("Pager 01");
        (await NamesAsync(client, "/contacts?label=paging&size=20&sort=created")).First().Should().Be("Pager 45", "it was created first");
        (await NamesAsync(client, "/contacts?label=paging&size=100")).Should().HaveCount(45);
        (await NamesAsync(client, "/contacts?label=paging&size=7&page=abc")).Should().HaveCount(45, "an unknown size falls back to 50");
        (await NamesAsync(client, "/contacts?label=paging&size=20&page=99")).First().Should().Be("Pager 41", "a page past the end shows the last");

        var sorted = await client.GetPageAsync("/contacts?label=paging&sort=phone");
        var phoneHeader = sorted.QuerySelectorAll<IHtmlAnchorElement>("[data-testid=contacts-table] thead a").Single(a => a.TextContent.Contains("Phone"));
        phoneHeader.GetAttribute("href").Should().Be("/contacts?label=paging&sort=phone&dir=desc", "clicking the sorted column reverses it");
    }

    [Fact]
    public async Task The_export_holds_the_filtered_contacts_with_labels_attributes_and_neutralised_formulas()
    {
        await app.AddContactAsync("+4916300000001", "=HYPERLINK(\"http://evil.example\",\"Click\")", labels: ["export", "vip"],
            attributes: new() { ["city"] = "Lagos", ["plan"] = "@gold" });
        await app.AddContactAsync("+4916300000002", "Bea", labels: ["export"], optedOut: true, attributes: new() { ["Phone"] = "clash" });
        await app.AddContactAsync("+4916300000003", "Not exported", attributes: new() { ["secret"] = "x" });
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);

        var list = await client.GetPageAsync("/contacts?label=export&sort=phone&page=1");
        var href = list.QuerySelector<IHtmlAnchorElement>("[data-testid=export-link]")!.GetAttribute("href");
        href.Should().Be("/contacts/export?label=export&sort=phone", "the export takes the list's filter");

        var response = await client.GetAsync(href);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/csv; charset=utf-8");
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Take(3).Should().Equal([0xEF, 0xBB, 0xBF], "Excel needs the byte-order mark to read UTF-8");
        using var csv = await CsvReader.OpenAsync(new MemoryStream(bytes), 1024 * 1024);
        csv.Header.Should().Equal("Phone", "Name", "Labels", "Opted out", "Opted out at", "Blocked", "Active", "Created at",
            "city", "attribute Phone", "plan");
        var rows = new List<IReadOnlyList<string>>();
        await foreach (var row in csv.ReadRowsAsync())
            rows.Add(row.Fields);
        rows.Should().HaveCount(2);
        rows[0][0].Should().Be("'+4916300000001");
        rows[0][1].Should().Be("'=HYPERLINK(\"http://evil.example\",\"Click\")", "a formula is written as text");
        rows[0][2].Should().Be("export, vip");
        rows[0][3].Should().Be("no");
        rows[0].Skip(8).Should().Equal("Lagos", "", "'@gold");
        rows[1][1].Should().Be("Bea");
        rows[1][3].Should().Be("yes");
        rows[1][4].Should().MatchRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$");
        rows[1][9].Should().Be("clash", "an attribute named like one of our columns gets a prefix");

        var audit = await app.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "contacts.export"));
        audit.Actor.Should().Be(user.Email);
        audit.Details.Should().Be("/contacts?label=export&sort=phone");
    }

    private static async Task<IReadOnlyList<string>> NamesAsync(HttpClient client, string url) => Names(await client.GetPageAsync(url));

    private static IReadOnlyList<string> Names(IDocument page) =>
        page.QuerySelectorAll("[data-testid=contacts-table] tbody tr td:first-child").Select(td => td.TextContent.Trim()).ToList();
}
