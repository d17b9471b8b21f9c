using System.Net;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>The CSV import through its three pages: upload, choose columns, report.</summary>
public sealed class ContactImportTests(ContactsAppFactory app) : IClassFixture<ContactsAppFactory>
{
    private const string MixedFile =
        "Phone,Full name,City,Notes\r\n" +
        "+44 7911 000001,Alice Updated,Leeds,n1\r\n" +          // row 2: existing, opted-out contact
        "07911 000002,Bob,London,n2\r\n" +                       // row 3: new (national number)
        "+44 7911 000003,\"Carol, the \"\"first\"\"\",York,n3\r\n" + // row 4: new (quoted)
        "0044 7911 000002,Bob Again,Bath,n4\r\n" +               // row 5: duplicate of row 3
        "12345,Too Short,Hull,n5\r\n" +                          // row 6: too short
        "1-800-FLOWERS,Florist,Nowhere,n6\r\n" +                 // row 7: letters
        "+44 7911 000004,Dave,Derby\r\n" +                       // row 8: a value missing
        "\r\n" +                                                 // row 9: blank, skipped
        "+44 7911 000005,,Ely,n9\r\n" +                          // row 10: new, no name
        "\"=HYPERLINK(\"\"http://x\"\")\",Evil,,\r\n";          // row 11: letters

    [Fact]
    public async Task A_mixed_file_imports_new_updates_existing_and_reports_every_rejected_row()
    {
        var existingId = await app.AddContactAsync("+447911000001", "Old Alice", labels: ["existing"], optedOut: true,
            attributes: new() { ["plan"] = "silver" }, createdAt: new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var optedOutAt = (await app.FindContactAsync("+447911000001"))!.OptedOutAt;
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);

        // Step 1
        var mappingUrl = await client.UploadCsvToMappingAsync(MixedFile, "fair leads.csv");

        // Step 2: the columns are guessed from their names.
        var mapping = await client.GetPageAsync(mappingUrl);
        mapping.QuerySelector("[data-testid=upload-summary]")!.TextContent.Should()
            .Contain("fair leads.csv").And.Contain("9 rows of data").And.Contain("4 columns").And.Contain("1 row is malformed");
        var form = mapping.Form("import-mapping");
        SelectedText(form, "Form.PhoneColumn").Should().Be("Phone");
        SelectedText(form, "Form.NameColumn").Should().Be("Full name");
        form.ChooseAttributeColumns("City");
        var response = await client.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Form.DefaultCountryCode"] = "44",
            ["Form.Labels"] = "fair, VIP",
        }, ("Form.Command", "import"));

        // Step 3
        response.RedirectTarget().Should().Be(mappingUrl + "/report");
        var report = await client.FollowAsync(response);
        report.FlashTexts().Should().ContainSingle().Which.Should().Be("Import finished: 3 new, 1 updated, 5 rejected.");
        Total(report, "imported-count").Should().Be("3");
        Total(report, "updated-count").Should().Be("1");
        Total(report, "duplicate-count").Should().Be("1");
        Total(report, "invalid-count").Should().Be("4");
        report.QuerySelector("[data-testid=opted-out-kept]")!.TextContent.Should().Contain("1 updated contact was already opted out");
        var problems = report.QuerySelectorAll("[data-testid=problems-table] tbody tr")
            .Select(tr => (Row: tr.Children[0].TextContent, Reason: tr.Children[1].TextContent)).ToList();
        problems.Select(p => p.Row).Should().Equal("5", "6", "7", "8", "11");
        problems[0].Reason.Should().Be("Same phone number (+447911000002) as row 3; only the first is imported.");
        problems[1].Reason.Should().Contain("too short");
        problems[2].Reason.Should().Contain("letters");
        problems[3].Reason.Should().StartWith("Row 8 has 3 values but the header has 4 columns");
        problems[4].Reason.Should().Contain("letters");

        // The database
        var alice = (await app.FindContactAsync("+447911000001"))!;
        alice.Id.Should().Be(existingId);
        alice.Name.Should().Be("Alice Updated");
        alice.IsOptedOut.Should().BeTrue("an opted-out contact stays opted out whatever the file says");
        alice.OptedOutAt.Should().Be(optedOutAt);
        alice.Attributes.Should().Equal(new Dictionary<string, string> { ["plan"] = "silver", ["City"] = "Leeds" });
        alice.Labels.Select(l => l.Name).Should().BeEquivalentTo("existing", "fair", "vip");
        alice.CreatedAt.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

        var bob = (await app.FindContactAsync("+447911000002"))!;
        bob.Name.Should().Be("Bob", "the first row of a phone wins");
        bob.Attributes.Should().Equal(new Dictionary<string, string> { ["City"] = "London" }, "Notes was not chosen as an attribute");
        bob.Labels.Select(l => l.Name).Should().BeEquivalentTo("fair", "vip");
        bob.IsOptedOut.Should().BeFalse();
        bob.IsActive.Should().BeTrue();
        bob.CreatedAt.Should().BeCloseTo(DateTimeOffset.UtcNow + ContactsAppFactory.ClockShift, TimeSpan.FromMinutes(1));
        (await app.FindContactAsync("+447911000003"))!.Name.Should().Be("Carol, the \"first\"");
        (await app.FindContactAsync("+447911000005"))!.Name.Should().BeEmpty();
        (await app.FindContactAsync("+447911000004")).Should().BeNull("a malformed row is not imported");

        var audit = await app.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "contacts.import"));
        audit.Actor.Should().Be(user.Email);
        audit.Target.Should().Be("fair leads.csv");
        audit.Details.Should().Contain("imported=3 updated=1 duplicates=1 invalid=4");

        // The rejects, as the user wrote them, ready to fix.
        var download = await client.GetAsync(report.QuerySelector<IHtmlAnchorElement>("[data-testid=rejects-link]")!.GetAttribute("href"));
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        download.Content.Headers.ContentDisposition!.FileNameStar.Should().Be("rejects-fair leads.csv");
        using var rejects = await CsvReader.OpenAsync(await download.Content.ReadAsStreamAsync(), 1024 * 1024);
        rejects.Header.Should().Equal("Row", "Phone", "Full name", "City", "Notes", "Reason");
        var rows = new List<IReadOnlyList<string>>();
        await foreach (var row in rejects.ReadRowsAsync())
            rows.Add(row.Fields);
        rows.Select(r => r[0]).Should().Equal("5", "6", "7", "8", "11");
        rows[0].Should().Equal("5", "0044 7911 000002", "Bob Again", "Bath", "n4", problems[0].Reason);
        // Cells starting with + are neutralised too; the import takes the apostrophe off again.
        rows[3].Take(5).Should().Equal("8", "'+44 7911 000004", "Dave", "Derby", "");
        rows[4][1].Should().Be("'=HYPERLINK(\"http://x\")", "the rejects file is an export too, so formulas are neutralised");
    }

    [Fact]
    public async Task The_same_upload_is_imported_once_even_when_submitted_twice()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var mappingUrl = await client.UploadCsvToMappingAsync("phone,name\n+4915100000001,Jan\n+4915100000002,Eva\n");
        var form = (await client.GetPageAsync(mappingUrl)).Form("import-mapping");

        var first = await client.SubmitAsync(form, submitter: ("Form.Command", "import"));
        var second = await client.SubmitAsync(form, submitter: ("Form.Command", "import"));

        first.RedirectTarget().Should().Be(mappingUrl + "/report");
        second.RedirectTarget().Should().Be(mappingUrl + "/report", "the second click lands on the report of the first");
        var report = await client.FollowAsync(second);
        Total(report, "imported-count").Should().Be("2");
        (await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "contacts.import" && e.Details!.Contains("imported=2"))))
            .Should().Be(1);
    }

    [Fact]
    public async Task The_preview_shows_each_number_as_it_will_be_imported()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var csv = "\uFEFFName;Mobile;Plan\r\n" + string.Concat(Enumerable.Range(1, 12).Select(i => $"Person {i};0803 000 {i:D4};gold\r\n"));
        var mappingUrl = await client.UploadCsvToMappingAsync(csv);

        var page = await client.GetPageAsync(mappingUrl);
        var preview = page.QuerySelectorAll("[data-testid=preview-table] tbody tr").ToList();
        preview.Should().HaveCount(10, "the preview shows the first 10 rows");
        preview[0].Children[0].TextContent.Should().Be("2");
        preview[0].Children[1].TextContent.Should().Contain("no country code");

        var updated = await client.SubmitAsync(page.Form("import-mapping"), new Dictionary<string, string>
        {
            ["Form.DefaultCountryCode"] = "+234",
        }, ("Form.Command", "preview"));

        updated.StatusCode.Should().Be(HttpStatusCode.OK);
        var rows = (await updated.ReadHtmlAsync()).QuerySelectorAll("[data-testid=preview-table] tbody tr").ToList();
        rows[0].Children[1].TextContent.Trim().Should().Be("+2348030000001");
        rows[9].Children[1].TextContent.Trim().Should().Be("+2348030000010");
        (await app.FindContactAsync("+2348030000001")).Should().BeNull("a preview imports nothing");
    }

    [Fact]
    public async Task A_bad_mapping_gets_messages_next_to_the_fields_and_imports_nothing()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var mappingUrl = await client.UploadCsvToMappingAsync("phone,name\n+4915100000101,Jan\n");
        var form = (await client.GetPageAsync(mappingUrl)).Form("import-mapping");

        var response = await client.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Form.NameColumn"] = "0",
            ["Form.DefaultCountryCode"] = "4444",
            ["Form.Labels"] = "ok, not/allowed",
        }, ("Form.Command", "import"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await response.ReadHtmlAsync();
        page.ValidationMessageFor("name-column").Should().Be("The name column cannot also be the phone column.");
        page.ValidationMessageFor("country-code").Should().Be("Use 1 to 3 digits, such as 44 or +91, or leave it empty.");
        page.ValidationMessageFor("import-labels").Should().Contain("may only contain letters");
        (await app.FindContactAsync("+4915100000101")).Should().BeNull();
    }

    [Theory]
    [InlineData("latin1", "The file is not UTF-8 text: save it as CSV UTF-8 (the problem is in row 3).")]
    [InlineData("no header", "Row 1 should hold column names, but \"+447911000099\" looks like a phone number")]
    [InlineData("duplicate header", "The header row names \"Phone\" twice (columns 1 and 3)")]
    [InlineData("empty", "The file is empty")]
    public async Task An_unusable_file_is_refused_at_upload_with_a_clear_message(string kind, string message)
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var content = kind switch
        {
            "latin1" => Encoding.Latin1.GetBytes("phone,name\n+447911000098,Ann\n+447911000099,José\n"),
            "no header" => Encoding.UTF8.GetBytes("+447911000099,Ann\n+447911000098,Bob\n"),
            "duplicate header" => Encoding.UTF8.GetBytes("phone,name,Phone\n+447911000099,Ann,x\n"),
            _ => [],
        };

        var response = await client.UploadCsvAsync(content);

        response.RedirectTarget().Should().Be("/contacts/import");
        var page = await client.FollowAsync(response);
        page.FlashTexts().Should().ContainSingle().Which.Should().StartWith(message);
        Directory.EnumerateFiles(app.UploadDirectory).Should().NotContain(f => f.EndsWith(".json"), "nothing of a refused file is kept");
    }

    [Fact]
    public async Task An_upload_belongs_to_the_person_who_sent_it()
    {
        var (owner, _) = await app.SignedInClientAsync(Roles.Marketer);
        var (other, _) = await app.SignedInClientAsync(Roles.Admin);
        var mappingUrl = await owner.UploadCsvToMappingAsync("phone\n+4915100000201\n");

        var response = await other.GetAsync(mappingUrl);

        response.StatusCode.Should().Be(HttpStatusCode.Gone);
        (await response.ReadHtmlAsync()).QuerySelector(".empty-state")!.TextContent.Should().Contain("no longer available");
        (await other.GetAsync(mappingUrl + "/rejects")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await owner.GetAsync(mappingUrl)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_file_without_rejects_offers_no_download_and_an_exported_file_imports_back()
    {
        await app.AddContactAsync("+4915100000301", "=cmd|' /C calc'!A0", labels: ["roundtrip"], attributes: new() { ["city"] = "Köln" });
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var export = await client.GetByteArrayAsync("/contacts/export?label=roundtrip");
        await app.WithDbAsync(db => db.Contacts.Where(c => c.Phone == "+4915100000301").ExecuteDeleteAsync());

        var mappingUrl = await client.UploadCsvToMappingAsync(Encoding.UTF8.GetString(export));
        var form = (await client.GetPageAsync(mappingUrl)).Form("import-mapping");
        var report = await client.FollowAsync(await client.SubmitAsync(form, submitter: ("Form.Command", "import")));

        Total(report, "imported-count").Should().Be("1");
        report.QuerySelector("[data-testid=rejects-link]").Should().BeNull();
        (await client.GetAsync(mappingUrl + "/rejects")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var contact = (await app.FindContactAsync("+4915100000301"))!;
        contact.Name.Should().Be("=cmd|' /C calc'!A0", "the apostrophe our export adds is taken off again");
        contact.Attributes.Should().Equal(new Dictionary<string, string> { ["city"] = "Köln" }, "the status columns are not attributes");
    }

    private static string Total(IHtmlDocument report, string testId) => report.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();

    private static string SelectedText(IHtmlFormElement form, string name)
    {
        var select = form.QuerySelector<IHtmlSelectElement>($"select[name='{name}']")!;
        return (select.Options.FirstOrDefault(o => o.IsSelected) ?? select.Options[0]!).TextContent;
    }
}

/// <summary>The size limit, with a small limit configured.</summary>
public sealed class ContactImportSizeLimitTests(ContactImportSizeLimitTests.SmallLimitApp app) : IClassFixture<ContactImportSizeLimitTests.SmallLimitApp>
{
    public sealed class SmallLimitApp : ContactsAppFactory
    {
        protected override int MaxFileSizeMb => 1;
    }

    [Theory]
    [InlineData(1024 * 1024 + 10 * 1024)]
    [InlineData(3 * 1024 * 1024)]
    public async Task A_file_over_the_limit_is_refused_with_the_limit_in_the_message(int size)
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var csv = new StringBuilder("phone,name\n");
        for (var i = 0; csv.Length < size; i++)
            csv.Append("+4479110").Append(i.ToString("D5")).Append(",Somebody with a long name\n");

        var response = await client.UploadCsvAsync(csv.ToString());

        response.RedirectTarget().Should().Be("/contacts/import");
        (await client.FollowAsync(response)).FlashTexts().Should().ContainSingle()
            .Which.Should().Be("The file is larger than the 1 MB limit: split it into smaller files.");
    }

    [Fact]
    public async Task A_file_under_the_limit_is_accepted()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var csv = new StringBuilder("phone,name\n");
        for (var i = 0; csv.Length < 1000 * 1024; i++)
            csv.Append("+4479110").Append(i.ToString("D5")).Append(",Somebody with a long name\n");

        var mappingUrl = await client.UploadCsvToMappingAsync(csv.ToString());
        var report = await client.FollowAsync(await client.SubmitAsync(
            (await client.GetPageAsync(mappingUrl)).Form("import-mapping"), submitter: ("Form.Command", "import")));

        var imported = int.Parse(report.QuerySelector("[data-testid=imported-count]")!.TextContent.Replace(",", ""));
        imported.Should().BeGreaterThan(ContactImporterBatch, "the import spans several batches");
        (await app.WithDbAsync(db => db.Contacts.CountAsync())).Should().Be(imported);
    }

    private const int ContactImporterBatch = WhatsAppDashboard.Features.Contacts.ContactImporter.BatchSize;
}
