using System.Globalization;
using System.Text;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>
/// An import larger than one batch of the importer: the rules that hold within a batch (first row of a phone wins,
/// existing contacts merged, labels on every contact) must hold across batches too.
/// </summary>
public sealed class ContactImportBatchTests(ContactsAppFactory app) : IClassFixture<ContactsAppFactory>
{
    private const int Batch = ContactImporter.BatchSize;
    /// <summary>Two full batches and part of a third.</summary>
    private const int UniqueRows = 2 * Batch + Batch / 2;

    private static string Phone(int i) => "+49152" + i.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The spreadsheet row of the i-th data row (the header is row 1).</summary>
    private static int RowOf(int i) => i + 2;

    [Fact]
    public async Task A_file_of_several_batches_merges_existing_contacts_reports_late_duplicates_and_labels_everyone()
    {
        int[] existing = [100, Batch + 100, 2 * Batch + 100];
        await app.AddContactAsync(Phone(existing[0]), "Old first", labels: ["existing"], attributes: new() { ["plan"] = "gold", ["City"] = "Old" });
        await app.AddContactAsync(Phone(existing[1]), "Old second", labels: ["existing"]);
        await app.AddContactAsync(Phone(existing[2]), "Old third", labels: ["existing"], optedOut: true, attributes: new() { ["plan"] = "silver" });
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var csv = new StringBuilder("phone,name,City\n");
        for (var i = 0; i < UniqueRows; i++)
        {
            // The second existing contact's row has no name: it keeps the one it has.
            var name = i == existing[1] ? "" : $"Person {i}";
            csv.Append(Phone(i)).Append(',').Append(name).Append(',').Append(i % 2 == 0 ? "Berlin" : "Bonn").Append('\n');
        }
        // Late repeats, written differently, of a number from the first batch and one from the second.
        csv.Append("0049 152 ").Append(5.ToString("D8", CultureInfo.InvariantCulture)).Append(",Late five,Kiel\n");
        csv.Append(Phone(Batch + 7)).Append(",Late seven,Kiel\n");

        var mappingUrl = await client.UploadCsvToMappingAsync(csv.ToString(), "big.csv");
        var form = (await client.GetPageAsync(mappingUrl)).Form("import-mapping");
        form.ChooseAttributeColumns("City");
        var report = await client.FollowAsync(await client.SubmitAsync(form, new Dictionary<string, string> { ["Form.Labels"] = "wave" },
            ("Form.Command", "import")));

        Count(report, "imported-count").Should().Be(UniqueRows - existing.Length);
        Count(report, "updated-count").Should().Be(existing.Length);
        Count(report, "duplicate-count").Should().Be(2);
        Count(report, "invalid-count").Should().Be(0);
        report.QuerySelector("[data-testid=opted-out-kept]")!.TextContent.Should().Contain("1 updated contact was already opted out");
        var problems = report.QuerySelectorAll("[data-testid=problems-table] tbody tr")
            .Select(tr => (Row: tr.Children[0].TextContent.Trim(), Reason: tr.Children[1].TextContent.Trim())).ToList();
        problems.Should().Equal(
            (RowOf(UniqueRows).ToString(CultureInfo.InvariantCulture),
                $"Same phone number ({Phone(5)}) as row {RowOf(5)}; only the first is imported."),
            (RowOf(UniqueRows + 1).ToString(CultureInfo.InvariantCulture),
                $"Same phone number ({Phone(Batch + 7)}) as row {RowOf(Batch + 7)}; only the first is imported."));

        (await app.FindContactAsync(Phone(5)))!.Name.Should().Be("Person 5", "the first row of a phone wins, even batches later");
        (await app.FindContactAsync(Phone(Batch + 7)))!.Attributes.Should().Equal(new Dictionary<string, string> { ["City"] = "Bonn" });

        var first = (await app.FindContactAsync(Phone(existing[0])))!;
        first.Name.Should().Be("Person 100");
        first.Attributes.Should().Equal(new Dictionary<string, string> { ["plan"] = "gold", ["City"] = "Berlin" }, "the file wins per key");
        first.Labels.Select(l => l.Name).Should().BeEquivalentTo("existing", "wave");
        var second = (await app.FindContactAsync(Phone(existing[1])))!;
        second.Name.Should().Be("Old second", "an empty name leaves the contact's own");
        second.Labels.Select(l => l.Name).Should().BeEquivalentTo("existing", "wave");
        var third = (await app.FindContactAsync(Phone(existing[2])))!;
        third.IsOptedOut.Should().BeTrue("an opted-out contact stays opted out");
        third.Name.Should().Be($"Person {existing[2]}");
        third.Attributes.Should().Equal(new Dictionary<string, string> { ["plan"] = "silver", ["City"] = "Berlin" });
        third.Labels.Select(l => l.Name).Should().BeEquivalentTo("existing", "wave");

        var last = (await app.FindContactAsync(Phone(UniqueRows - 1)))!;
        last.Name.Should().Be($"Person {UniqueRows - 1}");
        last.Labels.Select(l => l.Name).Should().Equal("wave");
        (await app.WithDbAsync(db => db.Contacts.CountAsync(c => c.Phone.StartsWith("+49152"))))
            .Should().Be(UniqueRows, "every unique number is one contact");
        (await app.WithDbAsync(db => db.Contacts.CountAsync(c => c.Labels.Any(l => l.Name == "wave"))))
            .Should().Be(UniqueRows, "new and updated contacts of every batch get the import's label");
    }

    private static int Count(IHtmlDocument report, string testId) =>
        int.Parse(report.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim().Replace(",", ""), CultureInfo.InvariantCulture);
}
