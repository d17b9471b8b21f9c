using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>What a marketer does in the campaign wizard's five steps and on the campaign list.</summary>
public sealed partial class CampaignWizardPage(IPage page)
{
    /// <summary>
    /// How long to wait for the page after a post: a cold app (first compilation of a page, EF model) on a busy
    /// two-core machine can be slow. This is patience, not a speed requirement.
    /// </summary>
    public const float PostTimeout = 30_000;

    public IPage Page => page;

    /// <summary>The campaign id in the current wizard URL (/campaigns/{id}/step).</summary>
    public int CampaignId => int.Parse(CampaignIdInUrl().Match(page.Url).Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>A step in the progress bar at the top of every step ("1. Basics" … "5. Review"); a link when reachable.</summary>
    public ILocator StepLink(int number, string title) =>
        page.GetByTestId("wizard-steps").GetByRole(AriaRole.Link, new() { Name = $"{number}. {title}", Exact = true });

    public Task WaitForStepAsync(string slug) =>
        page.WaitForURLAsync(url => new Uri(url).AbsolutePath.EndsWith("/" + slug, StringComparison.Ordinal), new() { Timeout = PostTimeout });

    public async Task ReloadAsync() => await page.ReloadAsync(new() { Timeout = PostTimeout });

    // Step 1: basics.

    public ILocator CampaignName => page.GetByLabel("Campaign name");

    public ILocator Account => page.GetByLabel("Send from");

    public ILocator Template => page.GetByLabel("Template");

    public ILocator TemplatePreviewBody => page.GetByTestId("preview-body");

    public ILocator TemplateOptions => Template.Locator("option");

    /// <summary>Waits until the template list offers <paramref name="label"/> (the page's script re-renders it for the chosen account).</summary>
    public Task WaitForTemplateAsync(string label) =>
        TemplateOptions.Filter(new() { HasText = label }).WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = PostTimeout });

    /// <summary>Chooses the template by its label; the page's script re-renders the preview for it.</summary>
    public async Task ChooseTemplateAsync(string label)
    {
        await WaitForTemplateAsync(label);
        await Template.SelectOptionAsync(new SelectOptionValue { Label = label });
    }

    public async Task SaveBasicsAsync()
    {
        await page.GetByTestId("save").ClickAsync();
        await WaitForStepAsync("audience");
    }

    // Step 2: audience.

    public ILocator AudienceKinds => page.GetByTestId("audience-kinds");

    public async Task ChooseCsvAudienceAsync()
    {
        await AudienceKinds.GetByRole(AriaRole.Link, new() { Name = "CSV upload" }).ClickAsync();
        await page.GetByLabel("CSV file").WaitForAsync(new() { Timeout = PostTimeout });
    }

    public async Task UploadCsvAsync(string fileName, byte[] content)
    {
        await page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = "text/csv", Buffer = content });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
        await page.GetByTestId("csv-columns").WaitForAsync(new() { Timeout = PostTimeout });
    }

    public ILocator UploadSummary => page.GetByTestId("csv-columns").Locator(".card-header");

    public ILocator PhoneColumn => page.GetByLabel("Phone column");

    public ILocator NameColumn => page.GetByLabel("Name column");

    public ILocator DefaultCountryCode => page.GetByLabel("Default country code");

    /// <summary>The first rows of the uploaded file with the number each is sent to (the "Sent to" column).</summary>
    public ILocator CsvPreviewSentTo => page.GetByTestId("csv-preview").Locator("tbody tr td:nth-child(2)");

    public ILocator CsvReport => page.GetByTestId("csv-report");

    public ILocator CsvReportCaption => CsvReport.Locator(".card-header");

    /// <summary>Validates the file with the chosen columns and waits for the report of that validation.</summary>
    public async Task ValidateCsvAsync()
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Validate" }).ClickAsync();
        // The page redirects to itself after validating: the "Validate again" button shows the report is for this file.
        await page.GetByRole(AriaRole.Button, new() { Name = "Validate again" }).WaitForAsync(new() { Timeout = PostTimeout });
    }

    /// <summary>One total of the validation report: rows, valid, duplicate, invalid or opted-out.</summary>
    public async Task<string> ReportTotalAsync(string total) => (await CsvReport.GetByTestId(total + "-count").TextContentAsync())!.Trim();

    /// <summary>The rejected rows as "row: reason".</summary>
    public async Task<IReadOnlyList<string>> RejectedRowsAsync()
    {
        var rows = page.GetByTestId("rejected-rows").Locator("tbody tr");
        var result = new List<string>();
        foreach (var row in await rows.AllAsync())
        {
            var cells = await row.Locator("td").AllTextContentsAsync();
            result.Add($"{cells[0].Trim()}: {cells[1].Trim()}");
        }
        return result;
    }

    public ILocator OptedOutRows => page.GetByTestId("opted-out-rows");

    public ILocator AudienceSize => page.GetByTestId("audience-size");

    public async Task NextFromAudienceAsync()
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Next: parameters" }).ClickAsync();
        await WaitForStepAsync("parameters");
        await page.GetByTestId("slots").WaitForAsync();
    }

    // Step 3: parameters.

    public ILocator Source(string slot) => page.GetByLabel($"Source of {slot}");

    public ILocator TextOrField(string slot) => page.GetByLabel($"Text or field name for {slot}");

    public ILocator Fallback(string slot) => page.GetByLabel($"Fallback for {slot}");

    /// <summary>The value of the chosen option of a slot's source, for example <c>field:City</c> or <c>text</c>.</summary>
    public Task<string> SourceValueAsync(string slot) => Source(slot).InputValueAsync();

    public ILocator EmptySummary => page.GetByTestId("empty-summary");

    /// <summary>Each previewed recipient's message body, as it will be sent.</summary>
    public ILocator RenderedBodies => page.GetByTestId("previews").GetByTestId("rendered-body");

    /// <summary>Re-renders the previews with the mappings on the form; waits until a body contains <paramref name="expectedText"/>.</summary>
    public async Task UpdatePreviewAsync(string expectedText)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Update preview" }).ClickAsync();
        await RenderedBodies.Filter(new() { HasText = expectedText }).First.WaitForAsync(new() { Timeout = PostTimeout });
    }

    public async Task NextFromParametersAsync()
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Next: schedule" }).ClickAsync();
        await WaitForStepAsync("schedule");
    }

    // Step 4: schedule.

    public ILocator SendOnceLater => page.GetByLabel("Once, later");

    public ILocator TimeZone => page.GetByLabel("Time zone");

    public ILocator OnceDate => page.GetByLabel("Date");

    public ILocator OnceTime => page.GetByLabel("Time", new() { Exact = true });

    public async Task SaveScheduleAsync()
    {
        await page.GetByTestId("save").ClickAsync();
        await WaitForStepAsync("review");
        await page.GetByTestId("review-actions").WaitForAsync();
    }

    // Step 5: review.

    public ILocator ReviewBasics => page.GetByTestId("basics-summary");

    public ILocator ReviewAudience => page.GetByTestId("audience-summary");

    /// <summary>The review's parameter table as "variable = value (when blank)".</summary>
    public async Task<IReadOnlyList<string>> ReviewParametersAsync()
    {
        var result = new List<string>();
        foreach (var row in await page.GetByTestId("parameters").Locator("tbody tr").AllAsync())
        {
            var cells = await row.Locator("td").AllTextContentsAsync();
            result.Add($"{cells[0].Trim()} = {cells[1].Trim()} (when blank: {cells[2].Trim()})");
        }
        return result;
    }

    public ILocator ReviewSchedule => page.GetByTestId("schedule-summary");

    public ILocator ReviewProblems => page.GetByTestId("problems");

    /// <summary>Presses Schedule on the review step and waits for the campaign's page.</summary>
    public async Task ScheduleAsync()
    {
        await page.GetByTestId("schedule").ClickAsync();
        await page.GetByTestId("campaign-actions").WaitForAsync(new() { Timeout = PostTimeout });
    }

    // The campaign list.

    public ILocator ListRow(string name) => page.Locator($"[data-testid=campaigns-table] tr[data-name='{name}']");

    [GeneratedRegex(@"/campaigns/(\d+)(/|$)")]
    private static partial Regex CampaignIdInUrl();
}
