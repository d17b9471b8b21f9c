using System.Net;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>
/// Hundreds of mutated CSV files (see <see cref="InputCorpus.CsvFiles"/>) through the whole import: upload, columns,
/// report. Never a server error; a refused file says why and writes nothing; an accepted one writes exactly what its
/// report says (each import labels its contacts, so the files can go four at a time).
/// </summary>
public sealed class ContactImportCorpusTests(ContactImportCorpusTests.Factory app) : IClassFixture<ContactImportCorpusTests.Factory>
{
    /// <summary>The app's clock on time: uploads go four at a time here.</summary>
    public sealed class Factory : ContactsAppFactory
    {
        protected override TimeSpan Shift => TimeSpan.Zero;
    }

    private const int Files = 400;

    [Fact]
    public async Task Mutated_csv_files_never_cause_a_server_error_and_write_exactly_what_the_report_says()
    {
        // One session per worker, as one person uploads in one tab: the reason of a refusal travels in a cookie of the
        // session, which the next page of any tab shows and clears, so workers sharing a session take each other's.
        var clients = new List<HttpClient>();
        for (var worker = 0; worker < 4; worker++)
            clients.Add((await app.SignedInClientAsync(Roles.Marketer)).Client);
        var contactsBefore = await app.WithDbAsync(db => db.Contacts.CountAsync());
        var inputs = InputCorpus.CsvFiles(Files, firstSeed: 1000).ToList();
        var imported = new int[inputs.Count];
        var next = -1;
        await Task.WhenAll(clients.Select(async client =>
        {
            while (Interlocked.Increment(ref next) is var i && i < inputs.Count)
                imported[i] = await ImportAsync(client, inputs[i]);
        }));

        var contactsAfter = await app.WithDbAsync(db => db.Contacts.CountAsync());
        (contactsAfter - contactsBefore).Should().Be(imported.Sum(), "refused files add nothing and accepted ones add what their reports say");
        imported.Count(n => n > 0).Should().BeGreaterThan(Files / 10, "the corpus keeps enough valid rows to exercise real imports");
        imported.Count(n => n == 0).Should().BeGreaterThan(Files / 10, "the corpus must also contain files that are refused");
    }

    /// <summary>Imports one file; returns the contacts its report says were created (0 when refused).</summary>
    private async Task<int> ImportAsync(HttpClient client, CorpusInput input)
    {
        var label = $"corpus-{input.Seed}";
        var upload = await client.UploadCsvAsync(input.Bytes, $"corpus {input.Seed}.csv");
        ((int)upload.StatusCode).Should().BeLessThan(500, "uploading {0}", input);
        var target = upload.RedirectTarget();
        if (target == "/contacts/import")
        {
            (await client.FollowAsync(upload)).FlashTexts().Should().ContainSingle("a refused upload says why ({0})", input)
                .Which.Should().NotBeNullOrWhiteSpace();
            return 0;
        }
        target.Should().MatchRegex("^/contacts/import/[0-9a-f]{32}$", "{0}", input);

        var mapping = await client.GetPageAsync(target);
        var response = await client.SubmitAsync(mapping.Form("import-mapping"), new Dictionary<string, string> { ["Form.Labels"] = label },
            ("Form.Command", "import"));
        ((int)response.StatusCode).Should().BeLessThan(500, "importing {0}", input);
        response.StatusCode.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.Redirect, HttpStatusCode.Found], "importing {0}", input);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // Refused on the columns page (e.g. no column to take phones from): the page says why, nothing is written.
            var page = await response.ReadHtmlAsync();
            page.QuerySelectorAll(".validation-message, .alert-danger, .invalid-feedback, [data-testid=import-error]")
                .Should().NotBeEmpty("a refused import says why ({0})", input);
            (await LabelledAsync(label)).Should().Be(0, "a refused import writes nothing ({0})", input);
            return 0;
        }

        response.RedirectTarget().Should().Be(target + "/report", "{0}", input);
        var report = await client.FollowAsync(response);
        var flash = report.FlashTexts();
        if (flash.Any(f => !f.StartsWith("Import finished", StringComparison.Ordinal)))
        {
            // The file broke while importing (e.g. a bad byte past the preview): refused whole, with the reason.
            (await LabelledAsync(label)).Should().Be(0, "a file refused while importing leaves nothing behind ({0})", input);
            return 0;
        }
        var created = int.Parse(report.QuerySelector("[data-testid=imported-count]")!.TextContent.Trim().Replace(",", ""));
        var updated = int.Parse(report.QuerySelector("[data-testid=updated-count]")!.TextContent.Trim().Replace(",", ""));
        (await LabelledAsync(label)).Should().Be(created + updated, "every imported or updated contact gets the import's label ({0})", input);
        return created;
    }

    private Task<int> LabelledAsync(string label) =>
        app.WithDbAsync(db => db.Contacts.CountAsync(c => c.Labels.Any(l => l.Name == label)));
}
