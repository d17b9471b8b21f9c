using Microsoft.Playwright;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

public sealed class ShellJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    [Fact]
    public async Task An_admin_signs_in_switches_theme_visits_every_section_and_signs_out()
    {
        var admin = await app.CreateUserAsync(Roles.Admin);
        await app.RunAsync(nameof(An_admin_signs_in_switches_theme_visits_every_section_and_signs_out), async page =>
        {
            var shell = new ShellPage(page);
            await shell.SignInAsync(admin.Email, admin.Password);
            (await shell.Heading.TextContentAsync()).Should().Be("Dashboard");
            (await page.GetByTestId("user-name").TextContentAsync()).Should().Be(admin.DisplayName);

            (await shell.ThemeAsync()).Should().Be("light");
            await shell.ToggleThemeAsync();
            (await shell.ThemeAsync()).Should().Be("dark");
            await page.ReloadAsync();
            (await shell.ThemeAsync()).Should().Be("dark", "the choice persists across page loads");

            var sections = new (string Link, string Path, string Heading)[]
            {
                ("Campaigns", "/campaigns", "Campaigns"),
                ("Contacts", "/contacts", "Contacts"),
                ("Templates", "/templates", "Templates"),
                ("Accounts", "/accounts", "WhatsApp accounts"),
                ("Analytics", "/analytics", "Analytics"),
                ("Users", "/users", "Users"),
                ("API keys", "/api-keys", "API keys"),
                ("Dashboard", "/", "Dashboard"),
            };
            foreach (var (link, path, heading) in sections)
            {
                await shell.NavLink(link).ClickAsync();
                await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path);
                (await shell.Heading.TextContentAsync()).Should().Be(heading);
                (await shell.NavLink(link).GetAttributeAsync("class")).Should().Contain("active", "the current section is highlighted");
            }

            await shell.SignOutAsync();
            await page.GotoAsync("/users");
            await page.WaitForURLAsync("**/account/login?ReturnUrl=%2Fusers");
        });
    }

    [Fact]
    public async Task On_a_phone_the_navigation_folds_away_and_nothing_overflows()
    {
        var viewer = await app.CreateUserAsync(Roles.Viewer);
        await app.RunAsync(nameof(On_a_phone_the_navigation_folds_away_and_nothing_overflows), async page =>
        {
            var shell = new ShellPage(page);
            await shell.SignInAsync(viewer.Email, viewer.Password);
            (await shell.NavLink("Campaigns").IsVisibleAsync()).Should().BeFalse("the sidebar is folded on a phone");

            await shell.OpenMobileNavigationAsync();
            await shell.NavLink("Campaigns").ClickAsync();
            await page.WaitForURLAsync("**/campaigns");
            (await shell.Heading.TextContentAsync()).Should().Be("Campaigns");

            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            overflow.Should().BeLessThanOrEqualTo(0, "a 375 px screen needs no sideways scrolling");
        }, width: 375, height: 740);
    }

    [Fact]
    public async Task Creating_a_user_shows_a_toast_and_disabling_asks_first()
    {
        var admin = await app.CreateUserAsync(Roles.Admin);
        await app.RunAsync(nameof(Creating_a_user_shows_a_toast_and_disabling_asks_first), async page =>
        {
            var shell = new ShellPage(page);
            await shell.SignInAsync(admin.Email, admin.Password);
            await page.GotoAsync("/users");

            await page.GetByLabel("Email").FillAsync("new.marketer@test.example");
            await page.GetByLabel("Name").FillAsync("New Marketer");
            await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("Marketer");
            await page.GetByLabel("Initial password").FillAsync("a-long-enough-secret");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();

            var toast = page.GetByTestId("flash").Locator(".toast-body");
            await toast.WaitForAsync();
            (await toast.TextContentAsync()).Should().Be("new.marketer@test.example can now sign in as Marketer.");

            var row = page.Locator("tr[data-user='new.marketer@test.example']");
            string? question = null;
            void Dismiss(object? sender, IDialog dialog)
            {
                question = dialog.Message;
                _ = dialog.DismissAsync();
            }
            page.Dialog += Dismiss;
            await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            question.Should().StartWith("Disable new.marketer@test.example?");
            (await row.Locator(".badge").Last.TextContentAsync()).Should().Be("Active", "dismissing the question changes nothing");

            page.Dialog -= Dismiss;
            page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
            await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
            await toast.Filter(new() { HasText = "is disabled" }).WaitForAsync();
            (await row.Locator(".badge").Last.TextContentAsync()).Should().Be("Disabled");
        });
    }
}
