using Microsoft.Playwright;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>What a person does with the app shell: sign in, move around, switch theme, sign out.</summary>
public sealed class ShellPage(IPage page)
{
    public IPage Page => page;

    public async Task SignInAsync(string email, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Generous: the first sign-in to a freshly started app on a busy machine can be slow.
        await page.WaitForURLAsync(url => !url.Contains("/account/login"),
            new() { Timeout = 60_000, WaitUntil = WaitUntilState.DOMContentLoaded });
    }

    public ILocator Heading => page.Locator("main h1").First;

    public ILocator NavLink(string title) => page.Locator("[data-testid=nav]").GetByRole(AriaRole.Link, new() { Name = title, Exact = true });

    public Task<string?> ThemeAsync() => page.Locator("html").GetAttributeAsync("data-bs-theme");

    public Task ToggleThemeAsync() => page.GetByTestId("theme-toggle").ClickAsync();

    public async Task OpenMobileNavigationAsync()
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Open navigation" }).ClickAsync();
        await page.Locator("#sidebar.show").WaitForAsync();
    }

    public async Task SignOutAsync()
    {
        await page.GetByTestId("user-menu").ClickAsync();
        await page.GetByTestId("sign-out").ClickAsync();
        await page.WaitForURLAsync("**/account/login");
    }
}
