using System.Net;
using Microsoft.Playwright;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

public sealed class ApiJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    [Fact]
    public async Task On_a_phone_an_admin_creates_a_key_copies_it_once_and_revokes_it_after_confirming()
    {
        var admin = await app.CreateUserAsync(Roles.Admin);
        await app.RunAsync(nameof(On_a_phone_an_admin_creates_a_key_copies_it_once_and_revokes_it_after_confirming), async page =>
        {
            await new ShellPage(page).SignInAsync(admin.Email, admin.Password);
            await page.GotoAsync("/api-keys");

            await page.GetByLabel("Name").FillAsync("Phone-made key");
            await page.Locator($"input[name='Input.Grants[{Permissions.CampaignsView}]']").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();

            var key = await page.Locator("#new-key-value").InputValueAsync();
            key.Should().StartWith("wad_");
            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            overflow.Should().BeLessThanOrEqualTo(0, "a 375 px screen needs no sideways scrolling");
            using (var api = app.CreateHttpClient())
            {
                api.DefaultRequestHeaders.Add(ApiKeyTokens.HeaderName, key);
                (await api.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);
            }

            await page.ReloadAsync();
            (await page.Locator("#new-key-value").CountAsync()).Should().Be(0, "the key is shown once");

            page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
            var row = page.Locator($"tr[data-key='{key[..12]}']");
            await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
            await page.GetByTestId("flash").Locator(".toast-body").Filter(new() { HasText = "revoked" }).WaitForAsync();
            (await row.GetByTestId("key-status").TextContentAsync()).Should().Be("Revoked");
            using (var api = app.CreateHttpClient())
            {
                api.DefaultRequestHeaders.Add(ApiKeyTokens.HeaderName, key);
                (await api.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            }
        }, width: 375, height: 740);
    }

    [Fact]
    public async Task The_docs_page_renders_the_api_from_the_app_alone()
    {
        await app.RunAsync(nameof(The_docs_page_renders_the_api_from_the_app_alone), async page =>
        {
            // Swagger UI's bundle is large to parse on a busy machine: wait for conditions longer than usual.
            page.SetDefaultTimeout(45_000);
            var outside = new List<string>();
            // Anything not served by the app itself (a CDN, a validator badge) is refused and noted.
            await page.RouteAsync("**/*", async route =>
            {
                if (route.Request.Url.StartsWith(app.BaseUrl, StringComparison.Ordinal))
                    await route.ContinueAsync();
                else
                {
                    outside.Add(route.Request.Url);
                    await route.AbortAsync();
                }
            });

            await page.GotoAsync("/api/docs");

            await page.GetByRole(AriaRole.Heading, new() { Name = "WhatsApp Campaign Dashboard API" }).WaitForAsync();
            await page.GetByText("/api/v1/contacts/import").First.WaitForAsync();
            (await page.GetByText("/api/v1/templates/sync").CountAsync()).Should().BeGreaterThan(0);
            (await page.GetByRole(AriaRole.Button, new() { Name = "Authorize" }).CountAsync()).Should().BeGreaterThan(0, "the X-API-Key scheme is offered");
            outside.Should().BeEmpty("the page must load without any CDN");
        });
    }
}
