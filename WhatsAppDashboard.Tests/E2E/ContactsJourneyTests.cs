using System.Text;
using Microsoft.Playwright;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

public sealed class ContactsJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    private const string Csv =
        "Name;Mobile;City\r\n" +
        "Ada Obi;0803 111 0001;Lagos\r\n" +
        "Bayo Ade;0803 111 0002;Ibadan\r\n" +
        "Bayo Again;+234 803 111 0002;Abuja\r\n" +
        "Chi;12;Enugu\r\n";

    [Fact]
    public async Task A_marketer_imports_a_file_reads_the_report_and_finds_the_contacts()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        await app.RunAsync(nameof(A_marketer_imports_a_file_reads_the_report_and_finds_the_contacts), async page =>
        {
            var shell = new ShellPage(page);
            await shell.SignInAsync(marketer.Email, marketer.Password);
            await shell.NavLink("Contacts").ClickAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "Import CSV" }).First.ClickAsync();

            await page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload
            {
                Name = "lagos.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(Csv),
            });
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
            // Waiting for what the next page shows is sturdier than waiting for its address after a post and a redirect.
            await page.GetByTestId("upload-summary").WaitForAsync();
            page.Url.Should().MatchRegex("/contacts/import/[0-9a-f]{32}$");
            (await page.GetByTestId("upload-summary").TextContentAsync()).Should().Contain("4 rows of data").And.Contain("semicolons");
            (await page.GetByLabel("Phone column").InputValueAsync()).Should().Be("1", "the Mobile column is recognised");

            await page.GetByLabel("Default country code").FillAsync("234");
            await page.GetByLabel("Labels for every contact").FillAsync("lagos-fair");
            await page.GetByRole(AriaRole.Button, new() { Name = "Update preview" }).ClickAsync();
            // The page comes back from the post with the numbers as they will be imported.
            await page.GetByTestId("preview-table").Locator("tbody tr").First.Filter(new() { HasText = "+2348031110001" }).WaitForAsync();
            (await page.GetByLabel("Default country code").InputValueAsync()).Should().Be("234", "the form keeps what was typed");

            await page.GetByRole(AriaRole.Button, new() { Name = "Import 4 rows" }).ClickAsync();
            await page.GetByTestId("import-totals").WaitForAsync();
            page.Url.Should().EndWith("/report");
            (await page.GetByTestId("imported-count").TextContentAsync()).Should().Be("2");
            (await page.GetByTestId("duplicate-count").TextContentAsync()).Should().Be("1");
            (await page.GetByTestId("invalid-count").TextContentAsync()).Should().Be("1");
            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("rejects-link").ClickAsync());
            download.SuggestedFilename.Should().Be("rejects-lagos.csv");

            await page.GetByRole(AriaRole.Link, new() { Name = "Back to contacts" }).ClickAsync();
            await page.GetByLabel("Label").SelectOptionAsync("lagos-fair");
            await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
            await page.GetByTestId("result-count").Filter(new() { HasText = "of 2 contacts" }).WaitForAsync();
            page.Url.Should().Contain("label=lagos-fair", "the filter is in the address, so it can be shared");

            await page.Locator("tr[data-phone='+2348031110001']").GetByRole(AriaRole.Button, new() { Name = "Opt out" }).ClickAsync();
            await page.GetByTestId("flash").Locator(".toast-body").Filter(new() { HasText = "opted out" }).WaitForAsync();
            page.Url.Should().Contain("label=lagos-fair", "the list keeps its filter after an action");
            (await page.Locator("tr[data-phone='+2348031110001'] [data-testid=status]").TextContentAsync()).Should().Contain("Opted out");
        });
    }

    [Fact]
    public async Task On_a_phone_the_contacts_pages_need_no_sideways_scrolling()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        await app.RunAsync(nameof(On_a_phone_the_contacts_pages_need_no_sideways_scrolling), async page =>
        {
            var shell = new ShellPage(page);
            await shell.SignInAsync(marketer.Email, marketer.Password);
            await page.GotoAsync("/contacts/new");
            await page.GetByLabel("Name").FillAsync("Narrow Screen With A Rather Long Name");
            await page.GetByLabel("Phone").FillAsync("+44 7700 900999");
            await page.GetByLabel("Labels").FillAsync("mobile-check, another-label, third-label");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add contact" }).ClickAsync();
            await page.GetByTestId("contact-status").WaitForAsync();

            foreach (var path in new[] { "/contacts", "/contacts?label=mobile-check", "/contacts/new", "/contacts/labels", "/contacts/import", page.Url })
            {
                await page.GotoAsync(path);
                var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
                overflow.Should().BeLessThanOrEqualTo(0, "{0} should fit a 375 px screen", path);
            }
        }, width: 375, height: 740);
    }
}
