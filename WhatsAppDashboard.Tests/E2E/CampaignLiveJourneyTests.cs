using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Live;
using WhatsAppDashboard.Tests.Features.Dispatch;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>
/// A run slow enough to watch: the seeded account (and the sandbox's cap) at 20 messages a second and some API
/// latency, so a hundred VIPs take several seconds whatever the machine.
/// </summary>
public sealed class LiveBrowserAppFactory : DispatchBrowserAppFactory
{
    protected override IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Sandbox:ThroughputPerSecond"] = "20",
        ["Sandbox:Latency:MeanMs"] = "60",
        ["Sandbox:Latency:JitterMs"] = "20",
    };
}

/// <summary>The campaign page and the list follow a run live, without a reload, and recover from a dropped connection.</summary>
public sealed class CampaignLiveJourneyTests(LiveBrowserAppFactory app) : IClassFixture<LiveBrowserAppFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private async Task<int> PrepareVipCampaignAsync(string name)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var template = await DemoVipCampaign.WelcomeOfferAsync(db);
        var campaign = DemoVipCampaign.Add(db, template, name);
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    private async Task LaunchAsync(int id)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<CampaignLauncher>().LaunchAsync(id, "tester@test.example", null);
        result.Outcome.Should().Be(StartOutcome.Started, result.Message);
    }

    private static async Task WaitUntilOnlineAsync(IPage page) =>
        await page.WaitForFunctionAsync("() => document.documentElement.dataset.liveState === 'online'", null, new() { Timeout = 30_000 });

    private static int Number(string? text) => int.Parse(text!.Trim(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    private sealed record Seen(string Status, int Sent, string Rate, bool PauseShown);

    [Fact]
    public async Task The_campaign_page_and_the_list_follow_a_run_until_it_completes_without_a_reload()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        var id = await PrepareVipCampaignAsync("Live VIP welcome");

        await app.RunAsync(nameof(The_campaign_page_and_the_list_follow_a_run_until_it_completes_without_a_reload), async page =>
        {
            await new ShellPage(page).SignInAsync(marketer.Email, marketer.Password);
            var list = await page.Context.NewPageAsync();
            await list.GotoAsync("/campaigns");
            await page.GotoAsync($"/campaigns/{id}");
            await WaitUntilOnlineAsync(page);
            await WaitUntilOnlineAsync(list);
            var header = page.Locator(".page-header [data-testid=campaign-status]");
            (await header.TextContentAsync()).Should().Be("Draft");
            (await page.Locator("[data-action=pause]").CountAsync()).Should().Be(0, "a draft cannot be paused");
            var draftTab = Number(await list.Locator("[data-live-tab-count=draft]").TextContentAsync());
            // Survives only as long as nobody reloads either page.
            await page.EvaluateAsync("() => window.stillTheSamePage = true");
            await list.EvaluateAsync("() => window.stillTheSamePage = true");

            await LaunchAsync(id);

            var seen = new List<Seen>();
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                // One read of everything, so a push cannot land between two parts of it.
                var now = await page.EvaluateAsync<string[]>(
                    """
                    () => [
                      document.querySelector('.page-header [data-testid=campaign-status]').textContent,
                      document.querySelector('[data-testid=counter-tiles] [data-counter=sent]').textContent,
                      document.querySelector('[data-testid=rate]').textContent,
                      String(document.querySelectorAll('[data-action=pause]').length)]
                    """);
                var status = now[0];
                seen.Add(new Seen(status, Number(now[1]), now[2], now[3] == "1"));
                if (status == "Completed" || DateTime.UtcNow > deadline)
                    break;
                await page.WaitForTimeoutAsync(100);
            }

            var campaign = await app.CampaignAsync(id);
            campaign.Status.Should().Be(CampaignStatus.Completed);
            var final = campaign.SentCount;
            final.Should().BeGreaterThan(50, "the VIP audience is about a hundred people");
            seen.Last().Status.Should().Be("Completed", "the page followed the run to its end");
            seen.Last().Sent.Should().Be(final);
            seen.Should().Contain(s => s.Status == "Running" && s.Sent > 0 && s.Sent < final, "the counters moved while it ran");
            seen.Where(s => s.Status == "Running").Should().OnlyContain(s => s.PauseShown, "a running campaign offers pause");
            seen.Should().Contain(s => s.Status == "Running" && s.Rate.EndsWith("/s", StringComparison.Ordinal), "the rate is shown while it runs");
            seen.Select(s => s.Sent).Should().BeInAscendingOrder();
            (await page.Locator("[data-action=pause]").CountAsync()).Should().Be(0, "a completed campaign cannot be paused");
            (await page.Locator("[data-action=cancel]").CountAsync()).Should().Be(0, "nor cancelled");
            (await page.GetByTestId("pending").TextContentAsync()).Should().Be("0");
            (await page.Locator("[data-testid=counter-tiles] [data-counter=total]").TextContentAsync()).Should().Be(
                campaign.TotalCount.ToString("N0", CultureInfo.InvariantCulture));
            (await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true")).Should().BeTrue("the page was never reloaded");

            // The list, open all along in another tab, followed too.
            var row = list.Locator($"[data-testid=campaigns-table] tr[data-campaign='{id}']");
            await row.Locator("[data-testid=campaign-status][data-status=completed]").WaitForAsync(new() { Timeout = 30_000 });
            (await row.Locator("[data-counter=sent] [data-testid=counter-value]").TextContentAsync()).Should().Be(
                final.ToString("N0", CultureInfo.InvariantCulture));
            (await row.Locator("[role=progressbar]").GetAttributeAsync("aria-valuenow")).Should().Be("100");
            Number(await list.Locator("[data-live-tab-count=draft]").TextContentAsync()).Should().Be(draftTab - 1, "the draft tab lost the campaign");
            Number(await list.Locator("[data-live-tab-count=completed]").TextContentAsync()).Should().Be(1, "the completed tab gained it");
            (await list.EvaluateAsync<bool>("() => window.stillTheSamePage === true")).Should().BeTrue("the list was never reloaded");
        });
    }

    [Fact]
    public async Task When_the_server_drops_the_connection_the_page_shows_it_reconnects_and_catches_up()
    {
        var viewer = await app.CreateUserAsync(Roles.Viewer);
        var id = await PrepareVipCampaignAsync("Live reconnect");
        var sockets = new List<IWebSocketRoute>();

        await app.RunAsync(nameof(When_the_server_drops_the_connection_the_page_shows_it_reconnects_and_catches_up), async page =>
        {
            // Every hub socket goes through the test, which can close its server side.
            await page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/hubs/campaigns"), socket =>
            {
                lock (sockets)
                    sockets.Add(socket.ConnectToServer());
            });
            await new ShellPage(page).SignInAsync(viewer.Email, viewer.Password);
            await page.GotoAsync($"/campaigns/{id}");
            await WaitUntilOnlineAsync(page);
            (await page.GetByTestId("live-indicator").IsHiddenAsync()).Should().BeTrue("nothing to say while connected");
            await page.EvaluateAsync(
                """
                () => {
                  window.liveStates = [];
                  new MutationObserver(() => window.liveStates.push(document.documentElement.dataset.liveState))
                    .observe(document.documentElement, { attributes: true, attributeFilter: ['data-live-state'] });
                }
                """);

            IWebSocketRoute server;
            lock (sockets)
                server = sockets.Last();
            await server.CloseAsync();

            await page.WaitForFunctionAsync("() => window.liveStates.includes('reconnecting')", null, new() { Timeout = 30_000 });
            await WaitUntilOnlineAsync(page);
            lock (sockets)
                sockets.Count.Should().BeGreaterThan(1, "the page opened a new connection by itself");

            // Watched again after the reconnect: a change now still reaches the page.
            await app.ExecuteAsync("UPDATE campaigns SET replied_count = 7 WHERE id = @id", ("id", id));
            await page.Locator("[data-testid=counter-tiles] [data-counter=replied]").Filter(new() { HasText = "7" })
                .WaitForAsync(new() { Timeout = 30_000 });
        });
    }
}
