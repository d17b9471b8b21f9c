using Microsoft.Playwright;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>What an admin does on the WhatsApp accounts pages.</summary>
public sealed class AccountsPage(IPage page)
{
    public async Task AddAsync(string name, string phoneNumberId, string wabaId, string portfolio, string tierLabel,
        string displayNumber, string accessToken, string appSecret, string verifyToken, int throughput, bool keepFormValues = false)
    {
        // keepFormValues: the caller has already opened the form and filled fields of its own.
        if (!keepFormValues)
        {
            await page.GotoAsync("/accounts");
            await page.GetByTestId("add-account").ClickAsync();
            await page.WaitForURLAsync("**/accounts/new");
        }
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Display phone number").FillAsync(displayNumber);
        await page.GetByLabel("Phone-number id").FillAsync(phoneNumberId);
        await page.GetByLabel("WhatsApp Business Account id").FillAsync(wabaId);
        await page.GetByLabel("Portfolio", new() { Exact = true }).FillAsync(portfolio);
        await page.GetByLabel("Messaging limit").SelectOptionAsync(new SelectOptionValue { Label = tierLabel });
        await page.GetByLabel("Access token").FillAsync(accessToken);
        await page.GetByLabel("App secret").FillAsync(appSecret);
        await page.GetByLabel("Webhook verify token").FillAsync(verifyToken);
        await page.GetByLabel("Throughput (messages/second)").FillAsync(throughput.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Add account" }).ClickAsync();
        // Generous: the first save of a freshly started app (key ring, EF model, page compilation) can be slow on a
        // busy two-core machine. This is patience, not a speed requirement.
        await page.WaitForURLAsync(url => !url.EndsWith("/accounts/new"), new() { Timeout = 30_000 });
    }

    public ILocator Row(string name) => page.Locator($"tr[data-account='{name}']");

    public ILocator Toast => page.GetByTestId("flash").Locator(".toast-body");
}
