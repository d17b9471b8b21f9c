using System.Net;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>The CSV audience through the audience page: upload, choose columns, validate, report, rejects, next.</summary>
public sealed class CsvAudienceTests(AudienceAppFactory app) : IClassFixture<AudienceAppFactory>
{
    private const string MixedFile =
        "\uFEFFMobile;Full name;City;Code\r\n" +
        "+44 7700 500001;Ann;Leeds;A1\r\n" +                 // row 2: valid
        "07700 500002;\"Bo\nBrown\";York;B2\r\n" +           // row 3: valid (national; a quoted line break)
        "+44 7700 500001;Ann Again;Bath;A3\r\n" +            // row 4: duplicate of row 2
        "12345;Short;Hull;X\r\n" +                           // row 5: too short
        "+44 7700 500003;Opted;Ely;O1\r\n" +                 // row 6: valid, an opted-out contact
        "not a number;Letters;;\r\n" +                       // row 7: letters
        "+44 7700 500004;Dee;Derby\r\n" +                    // row 8: a value missing
        "\"=HYPERLINK(\"\"http://x\"\")\";Evil;;\r\n";        // row 9: letters

    private Task<int> NewCampaignAsync() =>
        app.CreateTemplateAsync("""[{"type":"BODY","text":"Hi {{1}}"}]""").ContinueWith(t => app.CreateCampaignAsync(t.Result)).Unwrap();

    [Fact]
    public async Task A_mixed_file_is_validated_reported_with_row_numbers_and_its_rejects_downloaded()
    {
        await app.AddContactAsync("+447700500003", "Opted", optedOut: true);
        var campaignId = await NewCampaignAsync();
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);

        var columns = await client.UploadAudienceCsvToColumnsAsync(campaignId, MixedFile, "spring leads.csv");

        columns.Text("csv-columns").Should().Contain("spring leads.csv").And.Contain("8 rows").And.Contain("4 columns").And.Contain("semicolons");
        var form = columns.Form("audience");
        Selected(form, "Form.PhoneColumn").Should().Be("Mobile", "the BOM is not part of the first column's name");
        Selected(form, "Form.NameColumn").Should().Be("Full name");
        var preview = columns.QuerySelectorAll("[data-testid=csv-preview] tbody tr").ToList();
        preview.Should().HaveCount(8);
        preview[1].Children[1].TextContent.Should().Contain("no country code", "national numbers need the default country code");

        var validated = await client.SubmitAsync(form, new Dictionary<string, string> { ["Form.DefaultCountryCode"] = "+44" }, ("Form.Command", "validate"));

        validated.RedirectTarget().Should().StartWith($"/campaigns/{campaignId}/audience?kind=csv&upload=");
        var report = await client.FollowAsync(validated);
        report.FlashTexts().Should().Equal("3 of 8 rows can be sent to.");
        report.Text("rows-count").Should().Be("8");
        report.Text("valid-count").Should().Be("3");
        report.Text("duplicate-count").Should().Be("1");
        report.Text("invalid-count").Should().Be("4");
        report.Text("opted-out-count").Should().Be("1");
        report.Text("opted-out-rows").Should().Contain("1 valid row belongs to opted-out contacts").And.Contain("row 6.");
        var rejected = report.QuerySelectorAll("[data-testid=rejected-rows] tbody tr")
            .Select(tr => (Row: tr.Children[0].TextContent, Reason: tr.Children[1].TextContent)).ToList();
        rejected.Select(r => r.Row).Should().Equal("4", "5", "7", "8", "9");
        rejected[0].Reason.Should().Be("Same phone number (+447700500001) as row 2; only the first is kept.");
        rejected[1].Reason.Should().Contain("too short");
        rejected[2].Reason.Should().Contain("letters");
        rejected[3].Reason.Should().StartWith("Row 8 has 3 values but the header has 4 columns");
        report.Text("audience-size").Should().Be("2 recipients; 1 opted out and 0 blocked excluded.");

        var rows = await app.AudienceRowsAsync(campaignId);
        rows.Select(r => (r.RowNumber, r.Phone, r.Name)).Should().Equal(
            (2, "+447700500001", "Ann"), (3, "+447700500002", "Bo\nBrown"), (6, "+447700500003", "Opted"));
        rows[0].Fields.Should().Equal(new Dictionary<string, string>
        {
            ["Mobile"] = "+44 7700 500001", ["Full name"] = "Ann", ["City"] = "Leeds", ["Code"] = "A1",
        });
        var campaign = await app.FindCampaignAsync(campaignId);
        campaign.DefaultCountryCode.Should().Be("44");
        campaign.WizardStep.Should().Be(1, "validating is not yet moving on");
        var csv = AudienceSettings.Read(campaign).Csv!;
        (csv.FileName, csv.PhoneColumn, csv.NameColumn, csv.Rows, csv.Valid, csv.Duplicates, csv.Invalid, csv.OptedOut)
            .Should().Be(("spring leads.csv", "Mobile", "Full name", 8, 3, 1, 4, 1));
        csv.Columns.Should().Equal("Mobile", "Full name", "City", "Code");
        (await app.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "campaigns.audience.csv" && e.Actor == user.Email)))
            .Details.Should().Be("file=spring leads.csv rows=8 valid=3 duplicates=1 invalid=4 opted_out=1");

        var download = await client.GetAsync(report.QuerySelector<IHtmlAnchorElement>("[data-testid=rejects-link]")!.GetAttribute("href"));
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        download.Content.Headers.ContentDisposition!.FileNameStar.Should().Be("rejects-spring leads.csv");
        using var rejects = await CsvReader.OpenAsync(await download.Content.ReadAsStreamAsync(), 1024 * 1024);
        rejects.Header.Should().Equal("Row", "Mobile", "Full name", "City", "Code", "Reason");
        var rejectRows = new List<IReadOnlyList<string>>();
        await foreach (var row in rejects.ReadRowsAsync())
            rejectRows.Add(row.Fields);
        rejectRows.Select(r => r[0]).Should().Equal("4", "5", "7", "8", "9");
        rejectRows[0].Should().Equal("4", "'+44 7700 500001", "Ann Again", "Bath", "A3", rejected[0].Reason);
        rejectRows[4][1].Should().Be("'=HYPERLINK(\"http://x\")", "the rejects file is safe against formula injection");

        // Next: the validated file is the campaign's audience.
        var next = await client.SubmitAsync(report.Form("audience"), submitter: ("Form.Command", "save"));
        next.RedirectTarget().Should().Be($"/campaigns/{campaignId}/parameters");
        campaign = await app.FindCampaignAsync(campaignId);
        campaign.AudienceKind.Should().Be(AudienceKind.Csv);
        campaign.WizardStep.Should().Be(2);
    }

    [Fact]
    public async Task A_tab_separated_file_with_quoted_line_breaks_goes_straight_through_next()
    {
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var columns = await client.UploadAudienceCsvToColumnsAsync(campaignId,
            "phone\tname\tnote\n+4915100600001\tJan\t\"line one\nline two\"\n+4915100600002\tEva\tplain\n");

        columns.Text("csv-columns").Should().Contain("tabs");
        var next = await client.SubmitAsync(columns.Form("audience"), submitter: ("Form.Command", "save"));

        next.RedirectTarget().Should().Be($"/campaigns/{campaignId}/parameters", "moving on validates a file not validated yet");
        var rows = await app.AudienceRowsAsync(campaignId);
        rows.Select(r => (r.RowNumber, r.Phone)).Should().Equal((2, "+4915100600001"), (3, "+4915100600002"));
        rows[0].Fields["note"].Should().Be("line one\nline two");
        (await app.FindCampaignAsync(campaignId)).AudienceKind.Should().Be(AudienceKind.Csv);
    }

    [Fact]
    public async Task A_file_without_a_phone_column_gets_a_clear_message_and_nothing_is_written()
    {
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var columns = await client.UploadAudienceCsvToColumnsAsync(campaignId, "name,city\nAnn,Leeds\nBob,York\n");
        Selected(columns.Form("audience"), "Form.PhoneColumn").Should().Be("Choose…", "no column is named like a phone column");

        var unchosen = await client.SubmitAsync(columns.Form("audience"), new Dictionary<string, string> { ["Form.DefaultCountryCode"] = "4444" },
            ("Form.Command", "validate"));

        unchosen.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await unchosen.ReadHtmlAsync();
        page.ValidationMessageFor("phone-column").Should().Be("Choose the column that holds the phone numbers.");
        page.ValidationMessageFor("country-code").Should().Be("Use 1 to 3 digits, such as 44 or +91, or leave it empty.");

        var wrongColumn = await client.SubmitAsync(page.Form("audience"),
            new Dictionary<string, string> { ["Form.PhoneColumn"] = "name", ["Form.NameColumn"] = "", ["Form.DefaultCountryCode"] = "" },
            ("Form.Command", "validate"));

        (await wrongColumn.ReadHtmlAsync()).Text("audience-error").Should().StartWith(
            "None of the 2 rows has a valid phone number in the column \"name\": is it the column that holds the phone numbers? Nothing was saved. Row 2:");
        (await app.AudienceRowsAsync(campaignId)).Should().BeEmpty();
        (await app.WithDbAsync(db => db.CampaignAudienceRejects.CountAsync(r => r.CampaignId == campaignId))).Should().Be(0);
        AudienceSettings.Read(await app.FindCampaignAsync(campaignId)).Csv.Should().BeNull();

        var refusedNext = await client.SubmitAsync(page.Form("audience"),
            new Dictionary<string, string> { ["Form.PhoneColumn"] = "name", ["Form.NameColumn"] = "", ["Form.DefaultCountryCode"] = "" },
            ("Form.Command", "save"));
        refusedNext.StatusCode.Should().Be(HttpStatusCode.OK, "an empty audience cannot move on");
        (await app.FindCampaignAsync(campaignId)).WizardStep.Should().Be(1);
    }

    [Theory]
    [InlineData("latin1", "The file is not UTF-8 text: save it as CSV UTF-8 (the problem is in row 3).")]
    [InlineData("header only", "The file has a header row but no rows: add one row per recipient.")]
    [InlineData("empty", "The file is empty")]
    [InlineData("workbook", "This is a spreadsheet workbook (such as .xlsx), not a CSV file")]
    public async Task An_unusable_file_is_refused_at_upload_with_a_clear_message(string kind, string message)
    {
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var content = kind switch
        {
            "latin1" => Encoding.Latin1.GetBytes("phone,name\n+447911000098,Ann\n+447911000099,José\n"),
            "header only" => Encoding.UTF8.GetBytes("phone,name\r\n"),
            "workbook" => [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00],
            _ => [],
        };

        var response = await client.UploadAudienceCsvAsync(campaignId, content);

        response.RedirectTarget().Should().Be($"/campaigns/{campaignId}/audience?kind=csv");
        (await client.FollowAsync(response)).FlashTexts().Should().ContainSingle().Which.Should().StartWith(message);
        (await app.AudienceRowsAsync(campaignId)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_new_file_or_new_columns_replace_the_rows_of_the_previous_validation()
    {
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var first = await client.UploadAudienceCsvToColumnsAsync(campaignId, "phone,name,nick\n+4915100700001,Jan,J\n+4915100700002,Eva,E\n");
        var report = await client.FollowAsync(await client.SubmitAsync(first.Form("audience"), submitter: ("Form.Command", "validate")));

        // The same upload again with another name column: no new upload needed.
        report.QuerySelector("button[value=validate]")!.TextContent.Trim().Should().Be("Validate again");
        await client.SubmitAsync(report.Form("audience"), new Dictionary<string, string> { ["Form.NameColumn"] = "nick" }, ("Form.Command", "validate"));
        (await app.AudienceRowsAsync(campaignId)).Select(r => r.Name).Should().Equal("J", "E");

        var second = await client.UploadAudienceCsvToColumnsAsync(campaignId, "phone\n+4915100700003\n");
        await client.SubmitAsync(second.Form("audience"), submitter: ("Form.Command", "validate"));

        (await app.AudienceRowsAsync(campaignId)).Select(r => r.Phone).Should().Equal("+4915100700003");
        AudienceSettings.Read(await app.FindCampaignAsync(campaignId)).Csv!.Columns.Should().Equal("phone");
    }

    [Fact]
    public async Task After_validating_the_page_shows_the_columns_chosen_not_the_guessed_ones_also_when_coming_back()
    {
        var campaignId = await NewCampaignAsync();
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        // The guess would be "Phone" and no name column; the person picks "WhatsApp" and "Customer".
        var columns = await client.UploadAudienceCsvToColumnsAsync(campaignId,
            "Customer,Phone,WhatsApp\nAnn,+442079460000,07700 500011\nBo,+442079460001,07700 500012\n");
        Selected(columns.Form("audience"), "Form.PhoneColumn").Should().Be("Phone", "the page guesses from the header");

        var validated = await client.SubmitAsync(columns.Form("audience"), new Dictionary<string, string>
        {
            ["Form.PhoneColumn"] = "WhatsApp", ["Form.NameColumn"] = "Customer", ["Form.DefaultCountryCode"] = "44",
        }, ("Form.Command", "validate"));

        // The page after validating (and a reload of it), then the step's own link: the chosen columns each time.
        foreach (var url in new[] { validated.RedirectTarget(), $"/campaigns/{campaignId}/audience" })
        {
            var page = await client.GetPageAsync(url);
            page.Text("valid-count").Should().Be("2");
            var form = page.Form("audience");
            Selected(form, "Form.PhoneColumn").Should().Be("WhatsApp", "{0} shows the column the file was validated with", url);
            Selected(form, "Form.NameColumn").Should().Be("Customer");
            form.QuerySelector<IHtmlInputElement>("input[name='Form.DefaultCountryCode']")!.Value.Should().Be("44");
            page.QuerySelectorAll("[data-testid=csv-preview] tbody tr td:nth-child(2)").Select(td => td.TextContent.Trim())
                .Should().Equal("+447700500011", "+447700500012");

            // Moving on from here keeps the validated rows: nothing is validated again with other columns.
            var next = await client.SubmitAsync(form, submitter: ("Form.Command", "save"));
            next.RedirectTarget().Should().Be($"/campaigns/{campaignId}/parameters");
            (await app.AudienceRowsAsync(campaignId)).Select(r => (r.Phone, r.Name)).Should().Equal(("+447700500011", "Ann"), ("+447700500012", "Bo"));
        }
    }

    [Fact]
    public async Task Another_persons_upload_cannot_be_used()
    {
        var campaignId = await NewCampaignAsync();
        var (owner, _) = await app.SignedInClientAsync(Roles.Marketer);
        var (other, _) = await app.SignedInClientAsync(Roles.Marketer);
        var response = await owner.UploadAudienceCsvAsync(campaignId, "phone\n+4915100800001\n");

        var page = await other.GetPageAsync(response.RedirectTarget());

        page.Text("audience-error").Should().Contain("no longer available");
        page.QuerySelector("[data-testid=csv-columns]").Should().BeNull();
    }

    private static string Selected(IHtmlFormElement form, string name)
    {
        var select = form.QuerySelector<IHtmlSelectElement>($"select[name='{name}']")!;
        return (select.Options.FirstOrDefault(o => o.IsSelected) ?? select.Options[0]!).TextContent;
    }
}

/// <summary>The size limit of the CSV audience upload, with a small limit configured.</summary>
public sealed class CsvAudienceSizeLimitTests(CsvAudienceSizeLimitTests.SmallLimitApp app) : IClassFixture<CsvAudienceSizeLimitTests.SmallLimitApp>
{
    public sealed class SmallLimitApp : AudienceAppFactory
    {
        protected override int MaxFileSizeMb => 1;
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_and_one_under_it_is_stored_in_several_batches()
    {
        var campaignId = await app.CreateCampaignAsync(await app.CreateTemplateAsync("""[{"type":"BODY","text":"Hi"}]"""));
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        string File(int bytes)
        {
            var csv = new StringBuilder("phone,name\n");
            for (var i = 0; csv.Length < bytes; i++)
                csv.Append("+4479110").Append(i.ToString("D5")).Append(",Somebody with a rather long name\n");
            return csv.ToString();
        }

        var tooLarge = await client.UploadAudienceCsvAsync(campaignId, File(1024 * 1024 + 10 * 1024));

        tooLarge.RedirectTarget().Should().Be($"/campaigns/{campaignId}/audience?kind=csv");
        (await client.FollowAsync(tooLarge)).FlashTexts().Should().Equal("The file is larger than the 1 MB limit: split it into smaller files.");

        var columns = await client.UploadAudienceCsvToColumnsAsync(campaignId, File(1000 * 1024));
        var report = await client.FollowAsync(await client.SubmitAsync(columns.Form("audience"), submitter: ("Form.Command", "validate")));
        var valid = int.Parse(report.Text("valid-count").Replace(",", ""));
        valid.Should().BeGreaterThan(2 * WhatsAppDashboard.Features.Campaigns.Audiences.CsvAudienceImport.BatchSize);
        (await app.AudienceRowsAsync(campaignId)).Should().HaveCount(valid);
    }
}
