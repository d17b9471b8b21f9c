using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>A browser app on a new installation that has seeded its sandbox account, templates and demo contacts.</summary>
public sealed class SeededBrowserAppFactory : BrowserAppFactory
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Sandbox:SeedDemoData"] = "true",
    };
}

/// <summary>
/// The whole wizard as a marketer walks it, in a real browser: the five steps with a CSV upload, then back a step,
/// a reload, and every choice is still there; then on to Schedule, and the list shows the campaign scheduled.
/// </summary>
public sealed class CampaignWizardRoundTripTests(SeededBrowserAppFactory app) : IClassFixture<SeededBrowserAppFactory>
{
    private const string Zone = "Asia/Jakarta";
    private const string BodyText = "welcome to Northwind Coffee! Show the code NW-2026 at the counter for a free pastry with your next drink.";

    /// <summary>
    /// Written by a spreadsheet that adds a byte-order mark and separates with semicolons. "Phone" is a landline
    /// column; the WhatsApp numbers are in "WhatsApp" (national form, so the default country code matters); the
    /// names are under "Customer", which the page cannot guess. Row 4 repeats row 2's number, row 5 is not a number,
    /// and row 6 is a demo contact who opted out (every 40th seeded contact has).
    /// </summary>
    private static readonly byte[] Csv = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(
        "Customer;Phone;WhatsApp;City\r\n" +
        "Ana;+44 20 7946 0000;(201) 555-0100;Austin\r\n" +
        ";;(201) 555-0101;Berlin\r\n" +
        "Ana again;;+1 201 555 0100;Lagos\r\n" +
        "Bad number;;12345;London\r\n" +
        "Opted out;;201 555 0139;Jakarta\r\n" +
        "\"Okafor; Chidi\";;201-555-0102;Mumbai\r\n")).ToArray();

    [Fact]
    public async Task A_marketer_walks_all_five_steps_goes_back_reloads_finds_every_choice_kept_and_schedules()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var sendDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime).AddDays(10);
        var sendDateText = sendDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var sendsAtUtc = TimeZoneInfo.ConvertTimeToUtc(sendDate.ToDateTime(new TimeOnly(9, 30)), zone);

        await app.RunAsync(nameof(A_marketer_walks_all_five_steps_goes_back_reloads_finds_every_choice_kept_and_schedules), async page =>
        {
            // Every step is a round trip to a busy machine's server, and this walk makes many: patience everywhere.
            page.SetDefaultTimeout(CampaignWizardPage.PostTimeout);
            var shell = new ShellPage(page);
            var wizard = new CampaignWizardPage(page);
            await shell.SignInAsync(marketer.Email, marketer.Password);

            // 1. Basics: the only account is chosen already; its approved templates are offered.
            await page.GotoAsync("/campaigns");
            await page.GetByRole(AriaRole.Link, new() { Name = "New campaign" }).First.ClickAsync();
            await wizard.CampaignName.FillAsync("Coffee welcome");
            (await wizard.Account.Locator("option:checked").TextContentAsync()).Should().Be("Sandbox");
            await wizard.ChooseTemplateAsync("welcome_offer (en_US) · marketing");
            await wizard.TemplatePreviewBody.Filter(new() { HasText = "Hi Maria" }).WaitForAsync(new() { Timeout = CampaignWizardPage.PostTimeout });
            (await wizard.CampaignName.InputValueAsync()).Should().Be("Coffee welcome", "choosing a template keeps the typed name");
            await wizard.SaveBasicsAsync();
            var id = wizard.CampaignId;

            // 2. Audience: a CSV upload, with columns the page cannot guess.
            await wizard.ChooseCsvAudienceAsync();
            await wizard.UploadCsvAsync("welcome list.csv", Csv);
            (await wizard.UploadSummary.TextContentAsync()).Should().Contain("6 rows, 4 columns").And.Contain("separated by semicolons");
            (await wizard.PhoneColumn.Locator("option").AllTextContentsAsync()).Should().Equal(
                ["Choose…", "Customer", "Phone", "WhatsApp", "City"], "the byte-order mark is not part of the first column's name");
            await wizard.PhoneColumn.SelectOptionAsync("WhatsApp");
            await wizard.NameColumn.SelectOptionAsync("Customer");
            await wizard.DefaultCountryCode.FillAsync("1");
            await wizard.ValidateCsvAsync();

            await AssertCsvReportAsync(wizard);
            (await wizard.CsvPreviewSentTo.AllTextContentsAsync()).Select(t => t.Trim()).Should().StartWith(["+12015550100", "+12015550101"]);

            // A reload in the middle of the step keeps the report and the columns chosen for it.
            await wizard.ReloadAsync();
            await AssertCsvReportAsync(wizard);
            await AssertCsvColumnsAsync(wizard);

            await wizard.NextFromAudienceAsync();

            // 3. Parameters: {{1}} from a CSV column with a fallback, {{2}} fixed text.
            await wizard.Source("Body {{1}}").SelectOptionAsync("field:Customer");
            await wizard.Fallback("Body {{1}}").FillAsync("friend");
            await wizard.Source("Body {{2}}").SelectOptionAsync("text");
            await wizard.TextOrField("Body {{2}}").FillAsync("NW-2026");
            await wizard.UpdatePreviewAsync("Hi friend");
            await AssertPreviewsAsync(wizard);
            await wizard.NextFromParametersAsync();

            // 4. Schedule: once, at a local time in a zone other than the marketer's own (UTC).
            await wizard.SendOnceLater.CheckAsync();
            await wizard.TimeZone.SelectOptionAsync(Zone);
            await wizard.OnceDate.FillAsync(sendDateText);
            await wizard.OnceTime.FillAsync("09:30");
            await wizard.SaveScheduleAsync();

            // 5. Review: everything on one page.
            await AssertReviewAsync(wizard, sendDate, sendsAtUtc);

            // The browser's Back button: the schedule as it was saved.
            await page.GoBackAsync(new() { Timeout = CampaignWizardPage.PostTimeout });
            await wizard.WaitForStepAsync("schedule");
            await AssertScheduleAsync(wizard, sendDateText);
            await page.GoForwardAsync(new() { Timeout = CampaignWizardPage.PostTimeout });
            await wizard.WaitForStepAsync("review");

            // Back a step through the progress bar, and a reload: every choice is still there.
            await wizard.StepLink(3, "Parameters").ClickAsync();
            await wizard.WaitForStepAsync("parameters");
            await wizard.ReloadAsync();
            await AssertMappingsAsync(wizard);
            await AssertPreviewsAsync(wizard);

            // Back to the start: the basics are kept too.
            await wizard.StepLink(1, "Basics").ClickAsync();
            await wizard.WaitForStepAsync("basics");
            await wizard.ReloadAsync();
            (await wizard.CampaignName.InputValueAsync()).Should().Be("Coffee welcome");
            (await wizard.Account.Locator("option:checked").TextContentAsync()).Should().Be("Sandbox");
            (await wizard.Template.Locator("option:checked").TextContentAsync()).Should().Be("welcome_offer (en_US) · marketing");
            (await wizard.TemplatePreviewBody.TextContentAsync()).Should().Contain("Hi Maria");

            // The audience step through its link: the file's report and columns are kept.
            await wizard.StepLink(2, "Audience").ClickAsync();
            await wizard.WaitForStepAsync("audience");
            await wizard.ReloadAsync();
            (await wizard.AudienceKinds.Locator(".nav-link.active").TextContentAsync())!.Trim().Should().Be("CSV upload");
            await AssertCsvReportAsync(wizard);
            (await wizard.CsvReportCaption.TextContentAsync()).Should().Contain("phone: WhatsApp, name: Customer");
            await AssertCsvColumnsAsync(wizard);
            await wizard.NextFromAudienceAsync();
            await AssertMappingsAsync(wizard);
            await wizard.NextFromParametersAsync();

            // Forward again: the schedule is as it was left, then the review, and Schedule.
            await wizard.ReloadAsync();
            await AssertScheduleAsync(wizard, sendDateText);
            await wizard.SaveScheduleAsync();
            await AssertReviewAsync(wizard, sendDate, sendsAtUtc);
            await wizard.ScheduleAsync();
            page.Url.Should().EndWith($"/campaigns/{id}");

            await shell.NavLink("Campaigns").ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/campaigns", new() { Timeout = CampaignWizardPage.PostTimeout });
            var row = wizard.ListRow("Coffee welcome");
            (await row.GetByTestId("campaign-status").TextContentAsync()).Should().Be("Scheduled");
            (await row.GetByTestId("when").TextContentAsync())!.Trim().Should().Be(
                "Scheduled " + sendsAtUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), "the list shows times in the marketer's zone, UTC");
        });
    }

    private static async Task AssertCsvReportAsync(CampaignWizardPage wizard)
    {
        (await wizard.ReportTotalAsync("rows")).Should().Be("6");
        (await wizard.ReportTotalAsync("valid")).Should().Be("4");
        (await wizard.ReportTotalAsync("duplicate")).Should().Be("1");
        (await wizard.ReportTotalAsync("invalid")).Should().Be("1");
        (await wizard.ReportTotalAsync("opted-out")).Should().Be("1");
        var rejected = await wizard.RejectedRowsAsync();
        rejected.Should().HaveCount(2);
        rejected[0].Should().Be("4: Same phone number (+12015550100) as row 2; only the first is kept.", "rows are numbered as in a spreadsheet");
        rejected[1].Should().StartWith("5: ").And.Contain("12345");
        (await wizard.OptedOutRows.TextContentAsync()).Should().Contain("row 6");
        (await wizard.AudienceSize.TextContentAsync())!.Trim().Should().Be("3 recipients; 1 opted out and 0 blocked excluded.");
    }

    private static async Task AssertCsvColumnsAsync(CampaignWizardPage wizard)
    {
        (await wizard.PhoneColumn.InputValueAsync()).Should().Be("WhatsApp", "the phone column chosen, not the guessed one, is kept");
        (await wizard.NameColumn.InputValueAsync()).Should().Be("Customer");
        (await wizard.DefaultCountryCode.InputValueAsync()).Should().Be("1");
    }

    private static async Task AssertPreviewsAsync(CampaignWizardPage wizard)
    {
        (await wizard.RenderedBodies.AllTextContentsAsync()).Select(t => t.Trim()).Should().Equal(
            $"Hi Ana, {BodyText}", $"Hi friend, {BodyText}", $"Hi Okafor; Chidi, {BodyText}");
        (await wizard.EmptySummary.TextContentAsync()).Should().Contain("No recipient would get an empty value");
    }

    private static async Task AssertMappingsAsync(CampaignWizardPage wizard)
    {
        (await wizard.SourceValueAsync("Body {{1}}")).Should().Be("field:Customer");
        (await wizard.Fallback("Body {{1}}").InputValueAsync()).Should().Be("friend");
        (await wizard.SourceValueAsync("Body {{2}}")).Should().Be("text");
        (await wizard.TextOrField("Body {{2}}").InputValueAsync()).Should().Be("NW-2026");
        (await wizard.Fallback("Body {{2}}").InputValueAsync()).Should().BeEmpty();
    }

    private static async Task AssertScheduleAsync(CampaignWizardPage wizard, string sendDateText)
    {
        (await wizard.SendOnceLater.IsCheckedAsync()).Should().BeTrue();
        (await wizard.TimeZone.InputValueAsync()).Should().Be(Zone);
        (await wizard.OnceDate.InputValueAsync()).Should().Be(sendDateText);
        (await wizard.OnceTime.InputValueAsync()).Should().Be("09:30");
    }

    private static async Task AssertReviewAsync(CampaignWizardPage wizard, DateOnly sendDate, DateTime sendsAtUtc)
    {
        (await wizard.ReviewProblems.CountAsync()).Should().Be(0, "the campaign is ready to schedule");
        var basics = (await wizard.ReviewBasics.TextContentAsync())!;
        basics.Should().Contain("Coffee welcome").And.Contain("Sandbox").And.Contain("welcome_offer").And.Contain("APPROVED");

        var audience = (await wizard.ReviewAudience.TextContentAsync())!;
        audience.Should().Contain("welcome list.csv").And.Contain("6 rows, 4 valid, 1 duplicates, 1 invalid, 1 opted out")
            .And.Contain("Phone column “WhatsApp”, name column “Customer”").And.Contain("Numbers without a country code get +1");
        (await wizard.ReviewAudience.GetByTestId("audience-size").TextContentAsync())!.Trim().Should().Be("Size: 3 people today.");

        (await wizard.ReviewParametersAsync()).Should().Equal(
            "Body {{1}} = the audience's “Customer” (when blank: “friend”)",
            "Body {{2}} = the text “NW-2026” (when blank: —)");

        (await wizard.ReviewSchedule.GetByTestId("schedule-description").TextContentAsync())!.Trim().Should().Be(
            $"Once, on {sendDate.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)} at 09:30 ({Zone}).");
        var sendsAt = wizard.ReviewSchedule.Locator("[data-testid=occurrences] li");
        (await sendsAt.GetAttributeAsync("data-utc")).Should().Be(sendsAtUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        (await sendsAt.InnerTextAsync()).Trim().Should().Be(
            $"{sendDate.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)} 09:30 ({sendsAtUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} your time)",
            "the time in the marketer's own zone follows, apart from the schedule's");
        (await wizard.Page.GetByTestId("schedule").IsEnabledAsync()).Should().BeTrue();
    }
}
