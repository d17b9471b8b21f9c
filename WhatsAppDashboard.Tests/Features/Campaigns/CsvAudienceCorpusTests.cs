using System.Net;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>
/// Hundreds of mutated CSV files (see <see cref="InputCorpus.CsvFiles"/>) uploaded and validated as a campaign's
/// audience, each for a campaign of its own. Never a server error; a refused file says why and leaves the campaign
/// without rows; a validated one stores exactly the rows its report counts as valid.
/// </summary>
public sealed class CsvAudienceCorpusTests(CsvAudienceCorpusTests.Factory app) : IClassFixture<CsvAudienceCorpusTests.Factory>
{
    /// <summary>The app's clock on time: uploads go four at a time here.</summary>
    public sealed class Factory : AudienceAppFactory
    {
        protected override TimeSpan Shift => TimeSpan.Zero;
    }

    private const int Files = 300;

    [Fact]
    public async Task Mutated_csv_files_never_cause_a_server_error_and_store_exactly_the_rows_the_report_counts()
    {
        var templateId = await app.CreateTemplateAsync("""[{"type":"BODY","text":"Hi {{1}}"}]""");
        // One session per worker, as one person uploads in one tab: the reason of a refusal travels in a cookie of the
        // session, which the next page of any tab shows and clears, so workers sharing a session take each other's.
        var clients = new List<HttpClient>();
        for (var worker = 0; worker < 4; worker++)
            clients.Add((await app.SignedInClientAsync(Roles.Marketer)).Client);
        var inputs = InputCorpus.CsvFiles(Files, firstSeed: 5000).ToList();
        var campaigns = new int[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
            campaigns[i] = await app.CreateCampaignAsync(templateId, $"Corpus {inputs[i].Seed}");
        var stored = new int[inputs.Count];
        var next = -1;
        await Task.WhenAll(clients.Select(async client =>
        {
            while (Interlocked.Increment(ref next) is var i && i < inputs.Count)
                stored[i] = await ValidateAsync(client, campaigns[i], inputs[i]);
        }));

        var rowsInAll = await app.WithDbAsync(db => db.CampaignAudienceRows.CountAsync());
        rowsInAll.Should().Be(stored.Sum(), "refused files store nothing and validated ones what their reports say");
        stored.Count(n => n > 0).Should().BeGreaterThan(Files / 10);
        stored.Count(n => n == 0).Should().BeGreaterThan(Files / 10);
    }

    /// <summary>Uploads and validates one file; returns the rows its report says are valid (0 when refused).</summary>
    private async Task<int> ValidateAsync(HttpClient client, int campaignId, CorpusInput input)
    {
        var upload = await client.UploadAudienceCsvAsync(campaignId, input.Bytes, $"corpus {input.Seed}.csv");
        ((int)upload.StatusCode).Should().BeLessThan(500, "uploading {0}", input);
        var target = upload.RedirectTarget();
        if (target == $"/campaigns/{campaignId}/audience?kind=csv")
        {
            (await client.FollowAsync(upload)).FlashTexts().Should().ContainSingle("a refused upload says why ({0})", input)
                .Which.Should().NotBeNullOrWhiteSpace();
            (await app.AudienceRowsAsync(campaignId)).Should().BeEmpty("{0}", input);
            return 0;
        }
        var columns = await client.FollowAsync(upload);
        var validated = await client.SubmitAsync(columns.Form("audience"), submitter: ("Form.Command", "validate"));
        ((int)validated.StatusCode).Should().BeLessThan(500, "validating {0}", input);
        validated.StatusCode.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.Redirect, HttpStatusCode.Found], "validating {0}", input);
        var rows = await app.AudienceRowsAsync(campaignId);
        if (validated.StatusCode == HttpStatusCode.OK)
        {
            var page = await validated.ReadHtmlAsync();
            page.QuerySelectorAll("[data-testid=audience-error], .invalid-feedback, .alert-danger")
                .Should().NotBeEmpty("a refused validation says why ({0})", input);
            rows.Should().BeEmpty("a refused validation stores nothing ({0})", input);
            return 0;
        }
        var report = await client.FollowAsync(validated);
        if (report.QuerySelector("[data-testid=valid-count]") is not { } valid)
        {
            report.FlashTexts().Should().NotBeEmpty("a file refused while validating says why ({0})", input);
            rows.Should().BeEmpty("a file refused while validating stores nothing ({0})", input);
            return 0;
        }
        var count = int.Parse(valid.TextContent.Trim().Replace(",", ""));
        rows.Should().HaveCount(count, "the stored rows are the valid ones of the report ({0})", input);
        return count;
    }
}
