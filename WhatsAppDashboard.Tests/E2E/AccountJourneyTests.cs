using Microsoft.Playwright;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

public sealed class AccountJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    [Fact]
    public async Task An_admin_adds_an_account_and_deactivates_it_after_confirming()
    {
        var admin = await app.CreateUserAsync(Roles.Admin);
        await app.RunAsync(nameof(An_admin_adds_an_account_and_deactivates_it_after_confirming), async page =>
        {
            await new ShellPage(page).SignInAsync(admin.Email, admin.Password);
            var accounts = new AccountsPage(page);

            await accounts.AddAsync("Jakarta promos", "106540352242922", "102290129340398", "Nusantara Retail", "10,000 users / 24 h",
                "+62 21 5080 0000", "EAAG-browser-token", "browser-app-secret", "browser-verify", throughput: 80);

            (await accounts.Toast.TextContentAsync()).Should().Be("Jakarta promos is added. Test its connection to check the ids and token.");
            (await page.GetByTestId("access-token-state").TextContentAsync()).Should().Be("set");
            (await page.GetByLabel("Replace access token").InputValueAsync()).Should().BeEmpty("secrets are never filled back in");

            await page.GotoAsync("/accounts");
            var row = accounts.Row("Jakarta promos");
            (await row.GetByTestId("tier").TextContentAsync()).Should().Be("10,000 users / 24 h");
            page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
            await row.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
            await accounts.Toast.Filter(new() { HasText = "is deactivated" }).WaitForAsync();
            (await row.GetByTestId("status").TextContentAsync()).Should().Be("Inactive");
        });
    }

    [Fact]
    public async Task On_a_phone_the_account_form_fits_the_screen()
    {
        var admin = await app.CreateUserAsync(Roles.Admin);
        await app.RunAsync(nameof(On_a_phone_the_account_form_fits_the_screen), async page =>
        {
            await new ShellPage(page).SignInAsync(admin.Email, admin.Password);
            foreach (var url in new[] { "/accounts/new", "/accounts", "/templates" })
            {
                await page.GotoAsync(url);
                var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
                overflow.Should().BeLessThanOrEqualTo(0, "{0} needs no sideways scrolling on a 375 px screen", url);
            }
        }, width: 375, height: 740);
    }
}
