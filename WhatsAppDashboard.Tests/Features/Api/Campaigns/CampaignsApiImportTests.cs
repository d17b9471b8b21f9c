using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns;

namespace WhatsAppDashboard.Tests.Features.Api.Campaigns;

/// <summary>The recipients import: JSON and CSV, E.164 with the campaign's country code, duplicates, invalid rows, states and limits.</summary>
public sealed class CampaignsApiImportTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static readonly string[] Integrator =
        [Permissions.CampaignsView, Permissions.CampaignsCreate, Permissions.CampaignsEdit, Permissions.CampaignsExecute];

    private async Task<(HttpClient Client, int CampaignId)> ListCampaignAsync(string? defaultCountryCode = null)
    {
        var account = await app.AddAccountAsync("Import " + Guid.NewGuid().ToString("N")[..8]);
        var template = await app.AddTemplateAsync(account, "order_update");
        var client = await app.ApiClientWithAsync(Integrator);
        return (client, await client.CreateCampaignAsync(CampaignsApiTestData.ListRequest(account, template, defaultCountryCode)));
    }

    private Task<List<CampaignAudienceRow>> RowsAsync(int campaignId) =>
        app.WithDbAsync(db => db.CampaignAudienceRows.AsNoTracking().Where(r => r.CampaignId == campaignId).OrderBy(r => r.RowNumber).ToListAsync());

    [Fact]
    public async Task Json_recipients_are_normalised_with_the_default_country_code_and_duplicates_and_invalid_ones_reported()
    {
        var (client, id) = await ListCampaignAsync(defaultCountryCode: "44");

        var report = await client.ImportAsync(id,
            new { phoneNumber = "07700 900123", name = "Ann", city = "Leeds", vip = true, visits = 3 },
            new { phoneNumber = "+44 7700 900123", name = "Ann again" },
            new { phoneNumber = "0770O 900124", name = "Letter O" },
            new { name = "No phone" },
            new { phoneNumber = "0044 7700 900125", name = "Cy" },
            new { phoneNumber = "+14155550100", name = "Bob" });

        report.GetProperty("imported").GetInt32().Should().Be(3);
        report.GetProperty("duplicates").GetInt32().Should().Be(1);
        report.GetProperty("invalid").GetInt32().Should().Be(2);
        var errors = report.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("row").GetInt32()).Should().Equal(2, 3, 4);
        errors[0].GetProperty("phoneNumber").GetString().Should().Be("+44 7700 900123");
        errors[0].GetProperty("reason").GetString().Should().Contain("+447700900123").And.Contain("row 1");
        errors[1].GetProperty("reason").GetString().Should().Contain("letters");
        errors[2].GetProperty("reason").GetString().Should().Contain("phoneNumber");

        var rows = await RowsAsync(id);
        rows.Select(r => r.Phone).Should().Equal("+447700900123", "+447700900125", "+14155550100");
        rows.Select(r => r.Name).Should().Equal("Ann", "Cy", "Bob");
        rows[0].Fields.Should().Contain(new Dictionary<string, string> { ["city"] = "Leeds", ["vip"] = "true", ["visits"] = "3" });
        (await client.GetCampaignAsync(id)).GetProperty("audience").GetProperty("rows").GetInt32().Should().Be(3);
    }

    [Fact]
    public async Task A_second_import_appends_and_skips_numbers_already_in_the_list()
    {
        var (client, id) = await ListCampaignAsync();
        await client.ImportAsync(id, new { phoneNumber = "+14155550101", name = "First" }, new { phoneNumber = "+14155550102", name = "Second" });

        var report = await client.ImportAsync(id,
            new { phoneNumber = "+1 (415) 555-0102", name = "Second again" },
            new { phoneNumber = "+14155550103", name = "Third" });

        report.GetProperty("imported").GetInt32().Should().Be(1);
        report.GetProperty("duplicates").GetInt32().Should().Be(1);
        report.GetProperty("errors")[0].GetProperty("reason").GetString().Should().Contain("already in the campaign's list");
        (await RowsAsync(id)).Select(r => (r.Phone, r.Name)).Should().Equal(
            ("+14155550101", "First"), ("+14155550102", "Second"), ("+14155550103", "Third"));
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.create", "campaigns.audience.import", "campaigns.audience.import");
    }

    [Fact]
    public async Task Without_a_default_country_code_a_national_number_is_refused_with_the_reason()
    {
        var (client, id) = await ListCampaignAsync();

        var report = await client.ImportAsync(id, new { phoneNumber = "07700 900126" }, new { phoneNumber = "+447700900126" });

        report.GetProperty("imported").GetInt32().Should().Be(1);
        report.GetProperty("invalid").GetInt32().Should().Be(1);
        report.GetProperty("errors")[0].GetProperty("reason").GetString().Should().Contain("no country code");
    }

    [Fact]
    public async Task A_csv_file_is_imported_with_its_columns_as_fields_and_file_row_numbers()
    {
        var (client, id) = await ListCampaignAsync(defaultCountryCode: "44");
        const string csv = "phoneNumber,name,coupon\n07700 900201,Dee,SAVE10\n+447700900201,Dee twice,SAVE11\nnot a phone,Eve,SAVE12\n07700 900202,\"Fay, Jr\",SAVE13\n";

        var response = await client.PostAsync($"/api/v1/campaigns/{id}/recipients/import", CsvContent(csv));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var report = await response.JsonAsync();
        report.GetProperty("imported").GetInt32().Should().Be(2);
        report.GetProperty("duplicates").GetInt32().Should().Be(1);
        report.GetProperty("invalid").GetInt32().Should().Be(1);
        report.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("row").GetInt32()).Should().Equal(3, 4);
        var rows = await RowsAsync(id);
        rows.Select(r => (r.Phone, r.Name)).Should().Equal(("+447700900201", "Dee"), ("+447700900202", "Fay, Jr"));
        rows[1].Fields["coupon"].Should().Be("SAVE13");
    }

    [Fact]
    public async Task A_csv_without_a_phone_column_or_with_a_broken_row_imports_nothing()
    {
        var (client, id) = await ListCampaignAsync();

        var noPhone = await client.PostAsync($"/api/v1/campaigns/{id}/recipients/import", CsvContent("first,second\nAnn,Leeds\n"));
        (await noPhone.FieldErrorsAsync("phoneColumn")).Single().Should().Contain("phoneNumber");
        var namedColumn = new MultipartFormDataContent { { FileContent("who,number\nAnn,+14155550111\n"), "file", "people.csv" }, { new StringContent("mobile"), "phoneColumn" } };
        (await (await client.PostAsync($"/api/v1/campaigns/{id}/recipients/import", namedColumn)).FieldErrorsAsync("phoneColumn")).Should().NotBeEmpty();

        var notUtf8 = new MultipartFormDataContent { { new ByteArrayContent([.. Encoding.ASCII.GetBytes("phone,name\n+14155550112,"), 0xE9, 0xFF, (byte)'\n']), "file", "latin1.csv" } };
        (await (await client.PostAsync($"/api/v1/campaigns/{id}/recipients/import", notUtf8)).FieldErrorsAsync("file")).Single().Should().Contain("Nothing was imported");

        (await RowsAsync(id)).Should().BeEmpty();
    }

    [Fact]
    public async Task Only_a_draft_or_scheduled_list_campaign_takes_an_import()
    {
        var account = await app.AddAccountAsync("Import states " + Guid.NewGuid().ToString("N")[..6]);
        var template = await app.AddTemplateAsync(account, "order_update");
        var contacts = await app.AddCampaignAsync("Contacts audience", account, template);
        var running = await app.AddCampaignAsync("Running list", account, template, CampaignStatus.Running, configure: c => c.AudienceKind = AudienceKind.List);
        var client = await app.ApiClientWithAsync(Integrator);

        var wrongKind = await (await client.PostAsJsonAsync($"/api/v1/campaigns/{contacts}/recipients/import",
            new { recipients = new[] { new { phoneNumber = "+14155550120" } } })).ProblemAsync(409);
        var wrongState = await (await client.PostAsJsonAsync($"/api/v1/campaigns/{running}/recipients/import",
            new { recipients = new[] { new { phoneNumber = "+14155550121" } } })).ProblemAsync(409);
        await (await client.PostAsJsonAsync("/api/v1/campaigns/987654/recipients/import",
            new { recipients = new[] { new { phoneNumber = "+14155550122" } } })).ProblemAsync(404);

        wrongKind.GetProperty("detail").GetString().Should().Contain("list audience");
        wrongState.GetProperty("detail").GetString().Should().Contain("running");
        (await RowsAsync(contacts)).Should().BeEmpty();
        (await RowsAsync(running)).Should().BeEmpty();
    }

    [Fact]
    public async Task An_import_body_without_recipients_is_a_400_and_importing_needs_campaigns_create()
    {
        var (client, id) = await ListCampaignAsync();

        (await (await client.PostRawAsync($"/api/v1/campaigns/{id}/recipients/import", "{ \"people\": [] }")).FieldErrorsAsync("recipients")).Should().NotBeEmpty();
        (await (await client.PostRawAsync($"/api/v1/campaigns/{id}/recipients/import", "{ \"recipients\": [] }")).FieldErrorsAsync("recipients"))
            .Single().Should().Contain("at least one");
        await (await client.PostRawAsync($"/api/v1/campaigns/{id}/recipients/import", "{ \"recipients\": [ { \"phoneNumber\": ")).ProblemAsync(400);

        var viewer = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsEdit);
        await (await viewer.PostAsJsonAsync($"/api/v1/campaigns/{id}/recipients/import", new { recipients = new[] { new { phoneNumber = "+14155550130" } } })).ProblemAsync(403);
        (await RowsAsync(id)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_list_campaign_with_nobody_imported_cannot_start_or_be_scheduled()
    {
        var (client, id) = await ListCampaignAsync();

        var start = await (await client.PostAsync($"/api/v1/campaigns/{id}/start", null)).ProblemAsync(409);
        var quick = await (await client.PostAsync($"/api/v1/campaigns/{id}/quick-run", null)).ProblemAsync(409);

        start.GetProperty("detail").GetString().Should().Contain("recipients/import");
        quick.GetProperty("detail").GetString().Should().Contain("recipients/import");
        (await client.GetCampaignAsync(id)).GetProperty("status").GetString().Should().Be("draft", "a refused start must not fail the campaign");
    }

    internal static MultipartFormDataContent CsvContent(string csv) => new() { { FileContent(csv), "file", "recipients.csv" } };

    private static ByteArrayContent FileContent(string csv)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }
}

/// <summary>The campaign app with small import limits: five people and 1 MB per request.</summary>
public sealed class SmallImportLimitsAppFactory : CampaignsAppFactory
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Api:RecipientImport:MaxRecipients"] = "5",
        ["Csv:MaxFileSizeMb"] = "1",
    };
}

public sealed class CampaignsApiImportLimitTests(SmallImportLimitsAppFactory app) : IClassFixture<SmallImportLimitsAppFactory>
{
    private async Task<(HttpClient Client, int CampaignId)> ListCampaignAsync()
    {
        var account = await app.AddAccountAsync("Limits " + Guid.NewGuid().ToString("N")[..8]);
        var template = await app.AddTemplateAsync(account, "order_update");
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsCreate);
        return (client, await client.CreateCampaignAsync(CampaignsApiTestData.ListRequest(account, template)));
    }

    private Task<int> RowCountAsync(int campaignId) => app.WithDbAsync(db => db.CampaignAudienceRows.CountAsync(r => r.CampaignId == campaignId));

    private static string Phones(int count) => string.Join("\n", Enumerable.Range(0, count).Select(i => $"+1415555{i:D4}"));

    [Fact]
    public async Task More_people_than_allowed_are_refused_whole_in_json_and_in_csv()
    {
        var (client, id) = await ListCampaignAsync();
        var six = Enumerable.Range(0, 6).Select(i => new { phoneNumber = $"+1415555{i:D4}" }).ToArray();

        var json = await client.PostAsJsonAsync($"/api/v1/campaigns/{id}/recipients/import", new { recipients = six });
        var csv = await client.PostAsync($"/api/v1/campaigns/{id}/recipients/import", CampaignsApiImportTests.CsvContent("phone\n" + Phones(6) + "\n"));

        (await json.FieldErrorsAsync("recipients")).Single().Should().Contain("At most 5");
        (await csv.FieldErrorsAsync("recipients")).Single().Should().Contain("At most 5").And.Contain("Nothing was imported");
        (await RowCountAsync(id)).Should().Be(0);

        var five = await client.PostAsync($"/api/v1/campaigns/{id}/recipients/import", CampaignsApiImportTests.CsvContent("phone\n" + Phones(5) + "\n"));
        five.StatusCode.Should().Be(HttpStatusCode.OK, await five.Content.ReadAsStringAsync());
        (await RowCountAsync(id)).Should().Be(5);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_a_413()
    {
        var (client, id) = await ListCampaignAsync();
        var padding = new string('x', 1024 * 1024 + 100 * 1024);
        var body = JsonSerializer.Serialize(new { recipients = new[] { new { phoneNumber = "+14155550199", note = padding } } });

        var json = await client.PostRawAsync($"/api/v1/campaigns/{id}/recipients/import", body);
        var csv = await client.PostAsync($"/api/v1/campaigns/{id}/recipients/import", CampaignsApiImportTests.CsvContent("phone,note\n+14155550199," + padding + "\n"));

        (await json.ProblemAsync(413)).GetProperty("detail").GetString().Should().Contain("1 MB");
        await csv.ProblemAsync(413);
        (await RowCountAsync(id)).Should().Be(0);
    }
}
