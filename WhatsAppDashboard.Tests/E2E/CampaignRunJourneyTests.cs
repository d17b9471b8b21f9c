using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>A marketer runs a prepared campaign from its review step and watches it complete through the sandbox.</summary>
public sealed class CampaignRunJourneyTests(DispatchBrowserAppFactory app) : IClassFixture<DispatchBrowserAppFactory>
{
    /// <summary>The campaign page is static: this long, reloading now and then, is plenty even on a loaded machine.</summary>
    private static readonly TimeSpan CompletionPatience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A draft with every wizard step done but the review: the seeded account's welcome_offer to the 'vip' label,
    /// the name and a fixed code for the two body variables, to be sent now. Two VIPs can no longer be reached (one
    /// opted out, one blocked), so the run must leave them out. Returns the campaign's id and the numbers it should reach.
    /// </summary>
    private async Task<(int Id, List<string> ReachablePhones)> PrepareVipCampaignAsync(string name)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var template = await DemoVipCampaign.WelcomeOfferAsync(db);
        template.Status.Should().Be("APPROVED", "the demo data seeds welcome_offer approved");

        var vips = await db.Contacts.Where(c => c.Labels.Any(l => l.Name == "vip") && c.IsActive && !c.IsOptedOut && !c.IsBlocked)
            .OrderBy(c => c.Id).Take(2).ToListAsync();
        vips.Should().HaveCount(2);
        vips[0].IsOptedOut = true;
        vips[0].OptedOutAt = DateTimeOffset.UtcNow;
        vips[1].IsBlocked = true;

        var campaign = DemoVipCampaign.Add(db, template, name);
        await db.SaveChangesAsync();

        var reachable = await db.Contacts.Where(c => c.Labels.Any(l => l.Name == "vip") && c.IsActive && !c.IsOptedOut && !c.IsBlocked)
            .Select(c => c.Phone).ToListAsync();
        return (campaign.Id, reachable);
    }

    private static async Task<int> CounterAsync(IPage page, string key)
    {
        var text = await page.Locator($"[data-testid=counter-tiles] [data-counter={key}]").TextContentAsync();
        return int.Parse(text!.Trim(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    private static Task<string?> StatusAsync(IPage page) => page.Locator(".page-header [data-testid=campaign-status]").TextContentAsync();

    [Fact]
    public async Task A_marketer_runs_a_campaign_from_the_review_step_and_sees_it_complete()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        var (id, reachablePhones) = await PrepareVipCampaignAsync("VIP welcome");
        var reachable = reachablePhones.Count;
        reachable.Should().Be(98, "the demo data has 100 VIPs, two of whom were just made unreachable");

        await app.RunAsync(nameof(A_marketer_runs_a_campaign_from_the_review_step_and_sees_it_complete), async page =>
        {
            await new ShellPage(page).SignInAsync(marketer.Email, marketer.Password);
            await page.GotoAsync($"/campaigns/{id}/review");
            var runNow = page.GetByTestId("run-now");
            (await runNow.IsEnabledAsync()).Should().BeTrue("a campaign with every step done can be run");

            string? confirmation = null;
            page.Dialog += async (_, dialog) =>
            {
                confirmation = dialog.Message;
                await dialog.AcceptAsync();
            };
            await runNow.ClickAsync();
            await page.WaitForURLAsync($"**/campaigns/{id}", new() { Timeout = 30_000 });
            confirmation.Should().NotBeNullOrWhiteSpace("running sends real messages, so it asks first");

            // While it runs, the page offers what fits a running campaign; it may also have finished already. One read
            // of the status and the buttons together: the page updates itself, and two reads could straddle a push.
            var offered = await page.EvaluateAsync<string[]>(
                """
                () => [document.querySelector('.page-header [data-testid=campaign-status]').textContent,
                       String(document.querySelectorAll('[data-action=cancel]').length),
                       String(document.querySelectorAll('[data-action=delete]').length)]
                """);
            var status = offered[0];
            if (status == "Running")
            {
                offered[1].Should().Be("1", "a running campaign can be cancelled");
                offered[2].Should().Be("0", "a running campaign cannot be deleted");
            }

            // Reloads show the truth as well (following the run live has a test of its own): reload until the run is
            // over (bounded, never timed).
            var deadline = DateTime.UtcNow + CompletionPatience;
            while ((status = await StatusAsync(page)) is not ("Completed" or "Failed" or "Paused" or "Cancelled") && DateTime.UtcNow < deadline)
            {
                await page.WaitForTimeoutAsync(500);
                await page.ReloadAsync();
            }
            status.Should().Be("Completed");
            (await CounterAsync(page, "sent")).Should().Be(reachable, "every reachable VIP got the message");
            (await CounterAsync(page, "failed")).Should().Be(0);
            (await CounterAsync(page, "total")).Should().Be(reachable + await CounterAsync(page, "skipped"),
                "only the unreachable VIPs may be counted and skipped");
            (await page.GetByTestId("last-error").CountAsync()).Should().Be(0);

            // A finished campaign cannot be edited or cancelled; it can be copied to send again.
            (await page.Locator("[data-action=cancel]").CountAsync()).Should().Be(0);
            (await page.Locator("[data-action=edit]").CountAsync()).Should().Be(0);
            (await page.Locator("[data-action=copy]").CountAsync()).Should().Be(1);

            await page.GotoAsync("/campaigns");
            var row = page.Locator($"[data-testid=campaigns-table] tr[data-campaign='{id}']");
            (await row.Locator("[data-testid=campaign-status]").TextContentAsync()).Should().Be("Completed");
            (await row.Locator("[data-counter=sent] [data-testid=counter-value]").TextContentAsync()).Should().Be(reachable.ToString(CultureInfo.InvariantCulture));
        });

        // And the sandbox, not just the counters, says so: each reachable VIP exactly once, the unreachable never.
        using var client = app.CreateHttpClient();
        var stats = await client.GetFromJsonAsync<JsonElement>("/sandbox/stats");
        var accepted = stats.GetProperty("acceptedByRecipient").EnumerateObject().ToDictionary(p => "+" + p.Name, p => p.Value.GetInt32());
        accepted.Values.Should().OnlyContain(count => count == 1, "nobody gets the message twice");
        accepted.Keys.Should().BeEquivalentTo(reachablePhones);
    }
}
