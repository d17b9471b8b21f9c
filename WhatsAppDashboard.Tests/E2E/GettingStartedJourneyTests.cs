using Microsoft.Playwright;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>
/// What a new admin does first: connect a number (here the built-in simulator, over real HTTP), fetch its
/// templates, and import contacts from the demo CSV shipped in samples/.
/// </summary>
public sealed class GettingStartedJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    [Fact]
    public async Task An_admin_adds_an_account_syncs_its_templates_and_imports_contacts()
    {
        var admin = await app.CreateUserAsync(Roles.Admin);
        await app.RunAsync(nameof(An_admin_adds_an_account_syncs_its_templates_and_imports_contacts), async page =>
        {
            await new ShellPage(page).SignInAsync(admin.Email, admin.Password);
            var accounts = new AccountsPage(page);
            await page.GotoAsync("/accounts/new");
            await page.GetByLabel("API base URL").FillAsync(app.BaseUrl + "/sandbox/graph");
            await page.GetByLabel("Sandbox: a simulated number, no real messages").CheckAsync();
            await accounts.AddAsync("Demo number", "100000000000001", "200000000000001", "Demo portfolio", "2,000 users / 24 h",
                "+1 555 0100", "sandbox-access-token", "sandbox-app-secret", "demo-verify", throughput: 80, keepFormValues: true);
            (await accounts.Toast.TextContentAsync()).Should().StartWith("Demo number is added.");

            await page.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
            await accounts.Toast.Filter(new() { HasText = "Sandbox Business" }).WaitForAsync();

            await page.GotoAsync("/templates");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sync now" }).ClickAsync();
            await accounts.Toast.Filter(new() { HasText = "5 templates at Meta (5 new)" }).WaitForAsync();
            foreach (var name in new[] { "welcome_offer", "weekend_sale", "tasting_invitation", "order_shipped", "loyalty_points_update" })
                (await page.GetByText(name, new() { Exact = true }).CountAsync()).Should().BeGreaterThan(0, "{0} was synced", name);

            await page.GotoAsync("/contacts");
            await page.GetByRole(AriaRole.Link, new() { Name = "Import CSV" }).First.ClickAsync();
            await page.GetByLabel("CSV file").SetInputFilesAsync(SamplePath("demo-contacts.csv"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
            await page.GetByTestId("upload-summary").WaitForAsync();
            await page.GetByLabel("Default country code").FillAsync("234");
            await page.GetByRole(AriaRole.Button, new() { Name = "Update preview" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Import \\d+ rows$") }).ClickAsync();
            await page.GetByTestId("import-totals").WaitForAsync();

            // The sample holds 40 good rows, one duplicate, three invalid numbers and a formula-looking name.
            (await page.GetByTestId("imported-count").TextContentAsync()).Should().Be("41");
            (await page.GetByTestId("duplicate-count").TextContentAsync()).Should().Be("1");
            (await page.GetByTestId("invalid-count").TextContentAsync()).Should().Be("3");
        });
    }

    private static string SamplePath(string file)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "samples")))
            directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("samples/ not found above the test output"), "samples", file);
    }
}
