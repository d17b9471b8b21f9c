using System.Net;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns.Insights;

/// <summary><c>GET /campaigns/{id}/recipients.csv</c>: every recipient with status, errors, timestamps and button, under the
/// table's filter, safe to open in a spreadsheet, for anyone who may view campaigns.</summary>
public sealed class RecipientExportTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static readonly string[] Header =
    [
        "Phone", "Name", "Status", "Message id", "Error code", "Error message",
        "Sent at", "Delivered at", "Read at", "Failed at", "Replied at", "Button clicked", "Button payload",
    ];

    private static async Task<(IReadOnlyList<string> Header, List<IReadOnlyList<string>> Rows)> ReadCsvAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Take(3).Should().Equal([0xEF, 0xBB, 0xBF], "Excel needs the byte-order mark to read UTF-8");
        using var csv = await CsvReader.OpenAsync(new MemoryStream(bytes), 16 * 1024 * 1024);
        var rows = new List<IReadOnlyList<string>>();
        await foreach (var row in csv.ReadRowsAsync())
            rows.Add(row.Fields);
        return (csv.Header, rows);
    }

    [Fact]
    public async Task A_viewer_exports_every_recipient_with_iso_utc_times_and_formulas_neutralised()
    {
        var start = InsightsTestData.Start;
        List<SeedRecipient> seeded = [];
        var id = await app.CampaignWithRecipientsAsync("Spring sale: “VIP” 2026!", campaignId => seeded =
        [
            // Every timestamp at once: it was read, replied with a button, and a late webhook still reported a failure.
            new SeedRecipient("+447700900900", "Zoë \"Quotes\", Esq.", RecipientStatus.Failed, $"wamid.{campaignId}.all", 131026, "(131026) Message undeliverable: details",
                SentAt: start.AddSeconds(1.25), DeliveredAt: start.AddSeconds(20), ReadAt: start.AddMinutes(3), FailedAt: start.AddHours(2),
                RepliedAt: start.AddMinutes(4), ButtonClicked: "-Yes please", ButtonPayload: "=cmd|' /C calc'!A0"),
            .. InsightsTestData.Distribution(campaignId),
        ]);
        var (client, viewer) = await app.SignedInClientAsync(Roles.Viewer);

        var response = await client.GetAsync($"/campaigns/{id}/recipients.csv");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/csv; charset=utf-8");
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        response.Content.Headers.ContentDisposition.FileNameStar.Should().MatchRegex(@"^spring-sale-vip-2026-recipients-\d{8}-\d{4}\.csv$");
        response.Headers.CacheControl!.NoStore.Should().BeTrue("the file holds personal data");
        var (header, rows) = await ReadCsvAsync(response);
        header.Should().Equal(Header);
        rows.Should().HaveCount(201);
        rows[0].Should().Equal(
            "'+447700900900", "Zoë \"Quotes\", Esq.", "failed", $"wamid.{id}.all", "131026", "(131026) Message undeliverable: details",
            "2026-11-20T10:00:01Z", "2026-11-20T10:00:20Z", "2026-11-20T10:03:00Z", "2026-11-20T12:00:00Z", "2026-11-20T10:04:00Z",
            "'-Yes please", "'=cmd|' /C calc'!A0");
        rows.Select(r => CsvWriter.Restore(r[0])).Should().Equal(seeded.Select(r => r.Phone), "in the order they were written");
        rows.Single(r => r[1].Contains("HYPERLINK")).ElementAt(1).Should().Be("'" + InsightsTestData.FormulaName, "a formula is written as text");
        rows[1].Should().Equal(
            "'+447700900000", "Person 000", "read", $"wamid.{id}.0", "", "",
            "2026-11-20T10:00:00Z", "2026-11-20T10:00:20Z", "2026-11-20T10:03:00Z", "", "2026-11-20T10:08:00Z", "Yes please", "YES");
        rows.Count(r => r[2] == "pending" && r.Skip(3).All(c => c.Length == 0)).Should().Be(20, "pending rows have nothing else to say");

        var audit = await app.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "campaigns.export" && e.Target.StartsWith($"#{id} ")));
        audit.Actor.Should().Be(viewer.Email);
        audit.Details.Should().Be("all recipients");
    }

    [Fact]
    public async Task The_export_applies_the_search_and_the_status_of_the_table()
    {
        var id = await app.CampaignWithRecipientsAsync("Filtered export", campaignId => InsightsTestData.Distribution(campaignId));
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var failed = await client.GetAsync($"/campaigns/{id}/recipients.csv?status=failed&q=person%2001&page=3&size=1");

        failed.Content.Headers.ContentDisposition!.FileNameStar.Should().MatchRegex(@"^filtered-export-recipients-failed-search-\d{8}-\d{4}\.csv$");
        var (_, rows) = await ReadCsvAsync(failed);
        rows.Select(r => (r[1], r[2], r[4])).Should().Equal([("Person 016", "failed", "131026")], "paging is for the screen: the file holds every match");

        var (_, byPhone) = await ReadCsvAsync(await client.GetAsync($"/campaigns/{id}/recipients.csv?q=0012"));
        byPhone.Select(r => CsvWriter.Restore(r[0])).Should().Equal(
            InsightsTestData.Distribution(id).Where(r => r.Phone.Contains("0012")).Select(r => r.Phone));

        var (header, nothing) = await ReadCsvAsync(await client.GetAsync($"/campaigns/{id}/recipients.csv?q=nobody"));
        header.Should().Equal(Header);
        nothing.Should().BeEmpty();

        var audit = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == "campaigns.export" && e.Target.StartsWith($"#{id} "))
            .OrderBy(e => e.Id).Select(e => e.Details).ToListAsync());
        audit.Should().Equal($"/campaigns/{id}?q=person%2001&status=failed", $"/campaigns/{id}?q=0012", $"/campaigns/{id}?q=nobody");
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_and_a_missing_campaign_is_not_found()
    {
        var id = await app.CampaignWithRecipientsAsync("Private export", campaignId => InsightsTestData.Distribution(campaignId, 5));

        var anonymous = await app.CreateBrowserlessClient().GetAsync($"/campaigns/{id}/recipients.csv");
        anonymous.StatusCode.Should().Be(HttpStatusCode.Redirect);
        anonymous.Headers.Location!.AbsolutePath.Should().Be("/account/login");
        anonymous.Content.Headers.ContentType?.MediaType.Should().NotBe("text/csv");

        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);
        (await viewer.GetAsync("/campaigns/987654/recipients.csv")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
