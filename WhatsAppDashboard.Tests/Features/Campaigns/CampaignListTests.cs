using AngleSharp.Dom;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Twenty campaigns on two accounts, in every status.</summary>
public sealed class CampaignListAppFactory : CampaignsAppFactory
{
    public static readonly DateTimeOffset BlackFridayAt = new(2027, 1, 15, 14, 30, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset CyberMondayStartedAt = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public int AlphaAccount { get; private set; }
    public int BravoAccount { get; private set; }
    public Dictionary<string, int> Ids { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AlphaAccount = await AddAccountAsync("Alpha line");
        BravoAccount = await AddAccountAsync("Bravo line");
        var alphaTemplate = await AddTemplateAsync(AlphaAccount, "spring_promo");
        var bravoTemplate = await AddTemplateAsync(BravoAccount, "order_update", language: "pt_BR");
        var now = Clock.GetUtcNow();

        async Task Add(string name, int account, int template, CampaignStatus status, int daysAgo, Action<Campaign>? more = null) =>
            Ids[name] = await AddCampaignAsync(name, account, template, status, configure: c =>
            {
                c.CreatedAt = now.AddDays(-daysAgo);
                more?.Invoke(c);
            });

        for (var i = 1; i <= 12; i++)
            await Add($"Bulk {i:D2}", BravoAccount, bravoTemplate, CampaignStatus.Draft, 30 - i);
        await Add("Autumn newsletter", AlphaAccount, alphaTemplate, CampaignStatus.Draft, 10);
        await Add("Black Friday", AlphaAccount, alphaTemplate, CampaignStatus.Scheduled, 9, c => c.ScheduledAt = BlackFridayAt);
        await Add("Cyber Monday", BravoAccount, bravoTemplate, CampaignStatus.Running, 8, c =>
        {
            c.StartedAt = CyberMondayStartedAt;
            (c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount) = (200, 150, 120, 60, 10);
        });
        await Add("December digest", BravoAccount, bravoTemplate, CampaignStatus.Paused, 7);
        await Add("Easter egg hunt", AlphaAccount, alphaTemplate, CampaignStatus.Completed, 6);
        await Add("Failed launch", AlphaAccount, alphaTemplate, CampaignStatus.Failed, 5);
        await Add("Gone campaign", BravoAccount, bravoTemplate, CampaignStatus.Cancelled, 4);
        await Add("Black Friday reminder", AlphaAccount, alphaTemplate, CampaignStatus.Draft, 3);
    }
}

public sealed class CampaignListTests(CampaignListAppFactory app) : IClassFixture<CampaignListAppFactory>
{
    private static IReadOnlyList<string> Names(IDocument page) =>
        page.QuerySelectorAll("[data-testid=campaigns-table] tbody tr").Select(r => r.GetAttribute("data-name")!).ToList();

    private static Dictionary<string, int> TabCounts(IDocument page) =>
        page.QuerySelectorAll("[data-testid=status-tabs] a").ToDictionary(
            a => a.GetAttribute("data-status")!,
            a => int.Parse(a.QuerySelector("[data-testid=tab-count]")!.TextContent));

    private static IElement Row(IDocument page, string name) =>
        page.QuerySelector($"[data-testid=campaigns-table] tr[data-name='{name}']") ?? throw new InvalidOperationException($"No row {name}.");

    [Fact]
    public async Task Every_status_tab_shows_its_count_and_filters_the_rows()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var all = await client.GetPageAsync("/campaigns");
        all.QuerySelector("h1")!.TextContent.Should().Be("Campaigns");
        TabCounts(all).Should().Equal(new Dictionary<string, int>
        {
            ["all"] = 20, ["draft"] = 14, ["scheduled"] = 1, ["running"] = 1, ["paused"] = 1, ["completed"] = 1, ["failed"] = 1, ["cancelled"] = 1,
        });
        all.QuerySelector("[data-testid=status-tabs] a.active")!.GetAttribute("data-status").Should().Be("all");

        var running = await client.GetPageAsync("/campaigns?status=running");
        Names(running).Should().Equal("Cyber Monday");
        running.QuerySelector("[data-testid=status-tabs] a.active")!.GetAttribute("data-status").Should().Be("running");
        TabCounts(running)["all"].Should().Be(20, "the tab does not narrow the other tabs' counts");

        var cancelled = await client.GetPageAsync("/campaigns?status=Cancelled");
        Names(cancelled).Should().Equal("Gone campaign");
        Names(await client.GetPageAsync("/campaigns?status=nonsense")).Should().HaveCount(20, "an unknown tab shows all");
    }

    [Fact]
    public async Task Search_and_account_filter_narrow_the_rows_and_the_tab_counts()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var black = await client.GetPageAsync("/campaigns?q=BLACK");
        Names(black).Should().BeEquivalentTo("Black Friday", "Black Friday reminder");
        TabCounts(black).Where(t => t.Value > 0).Should().BeEquivalentTo(new Dictionary<string, int> { ["all"] = 2, ["draft"] = 1, ["scheduled"] = 1 });
        black.QuerySelector("#filter-q")!.GetAttribute("value").Should().Be("BLACK");
        black.QuerySelector("[data-testid=status-tabs] a[data-status=draft]")!.GetAttribute("href").Should().Be("/campaigns?status=draft&q=BLACK",
            "tabs keep the search");

        var bravo = await client.GetPageAsync($"/campaigns?account={app.BravoAccount}&status=draft");
        Names(bravo).Should().HaveCount(12).And.OnlyContain(n => n.StartsWith("Bulk"));
        TabCounts(bravo)["all"].Should().Be(15);
        bravo.QuerySelector("#filter-account option[selected]")!.TextContent.Should().Be("Bravo line");

        var nothing = await client.GetPageAsync("/campaigns?q=%25_");
        nothing.QuerySelector("[data-testid=empty-state]")!.TextContent.Should().Contain("No campaigns match these filters");
        Names(await client.GetPageAsync("/campaigns?account=abc")).Should().HaveCount(20, "a mangled account filter is ignored");
    }

    [Theory]
    [InlineData("", "Black Friday reminder", "Gone campaign", "Failed launch")]
    [InlineData("sort=created&dir=asc", "Bulk 01", "Bulk 02", "Bulk 03")]
    [InlineData("sort=name", "Autumn newsletter", "Black Friday", "Black Friday reminder")]
    [InlineData("sort=name&dir=desc", "Gone campaign", "Failed launch", "Easter egg hunt")]
    [InlineData("sort=status&dir=desc", "Gone campaign", "Failed launch", "Easter egg hunt")]
    [InlineData("sort=scheduled", "Cyber Monday", "Black Friday", "Bulk 01")]
    public async Task Sorting_by_created_name_status_and_time_both_ways(string query, string first, string second, string third)
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var page = await client.GetPageAsync("/campaigns?" + query);

        Names(page).Take(3).Should().Equal(first, second, third);
    }

    [Fact]
    public async Task Sorting_by_status_follows_the_lifecycle_not_the_alphabet()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var page = await client.GetPageAsync("/campaigns?sort=status&size=50");

        page.QuerySelectorAll("[data-testid=campaigns-table] tbody [data-testid=campaign-status]").Select(b => b.GetAttribute("data-status")).Distinct()
            .Should().Equal("draft", "scheduled", "running", "paused", "completed", "failed", "cancelled");
        page.QuerySelector("th a[href*='sort=status']")!.GetAttribute("href").Should().Contain("dir=desc", "clicking the sorted column reverses it");
    }

    [Fact]
    public async Task Paging_by_10_20_or_50_keeps_the_other_choices_in_the_address()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var first = await client.GetPageAsync("/campaigns?status=draft&size=10");
        Names(first).Should().HaveCount(10);
        first.QuerySelector("[data-testid=result-count]")!.TextContent.Should().Be("Showing 1–10 of 14 campaigns");
        var next = first.QuerySelector("[data-testid=pager] a[aria-label='Next page']")!.GetAttribute("href");
        next.Should().Be("/campaigns?status=draft&page=2&size=10");

        var second = await client.GetPageAsync(next!);
        Names(second).Should().HaveCount(4);
        Names(second).Should().NotIntersectWith(Names(first));
        Names(await client.GetPageAsync("/campaigns?status=draft&size=10&page=99")).Should().Equal(Names(second), "a page past the end shows the last");

        Names(await client.GetPageAsync("/campaigns?size=50")).Should().HaveCount(20);
        Names(await client.GetPageAsync("/campaigns?size=7")).Should().HaveCount(20, "an unknown page size falls back to 20");
        (await client.GetPageAsync("/campaigns")).QuerySelector("[data-testid=pager]").Should().BeNull();
    }

    [Theory]
    [InlineData("America/New_York", "Scheduled 2027-01-15 09:30", "Started 2026-12-01 04:00")]
    [InlineData("Asia/Kolkata", "Scheduled 2027-01-15 20:00", "Started 2026-12-01 14:30")]
    [InlineData("UTC", "Scheduled 2027-01-15 14:30", "Started 2026-12-01 09:00")]
    public async Task Scheduled_and_started_times_are_shown_in_the_users_time_zone(string zone, string scheduled, string started)
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer, zone);

        var page = await client.GetPageAsync("/campaigns");

        Row(page, "Black Friday").QuerySelector("[data-testid=when]").Text().Should().Be(scheduled);
        Row(page, "Cyber Monday").QuerySelector("[data-testid=when]").Text().Should().Be(started);
        page.QuerySelector("[data-testid=time-zone]").Text().Should().StartWith($"Times in {zone}");
    }

    [Fact]
    public async Task A_row_shows_the_template_the_status_and_the_progress_with_its_counters()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);

        var row = Row(await client.GetPageAsync("/campaigns"), "Cyber Monday");

        row.QuerySelector("a[data-testid=campaign-link]")!.GetAttribute("href").Should().Be($"/campaigns/{app.Ids["Cyber Monday"]}");
        row.QuerySelector("[data-testid=template]").Text().Should().Be("order_update pt_BR Bravo line");
        row.QuerySelector("[data-testid=campaign-status]")!.ClassName.Should().Contain("text-bg-primary");
        row.QuerySelectorAll("[data-counter]").ToDictionary(c => c.GetAttribute("data-counter")!, c => c.QuerySelector("[data-testid=counter-value]")!.TextContent)
            .Should().Equal(new Dictionary<string, string> { ["total"] = "200", ["sent"] = "150", ["delivered"] = "120", ["read"] = "60", ["failed"] = "10" });
        row.QuerySelector("[role=progressbar]")!.GetAttribute("aria-valuenow").Should().Be("80", "150 sent and 10 failed of 200 are done");
    }

    [Fact]
    public async Task Row_actions_follow_the_status_and_the_users_permissions()
    {
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);

        static IReadOnlyList<string> Actions(IDocument page, string name) =>
            Row(page, name).QuerySelectorAll("[data-action]").Select(a => a.GetAttribute("data-action")!).ToList();

        var page = await marketer.GetPageAsync("/campaigns?size=50");
        page.QuerySelector(".page-header a[href='/campaigns/new']").Should().NotBeNull();
        Actions(page, "Autumn newsletter").Should().Equal("open", "edit", "copy", "delete");
        Actions(page, "Black Friday").Should().Equal("open", "edit", "copy", "delete");
        Actions(page, "Cyber Monday").Should().Equal("open", "copy");
        Actions(page, "December digest").Should().Equal("open", "copy", "delete");
        Actions(page, "Easter egg hunt").Should().Equal("open", "copy", "delete");
        Row(page, "Autumn newsletter").QuerySelector("[data-action=delete]")!.GetAttribute("data-confirm")
            .Should().Be("Delete “Autumn newsletter”? This cannot be undone.");
        Row(page, "Autumn newsletter").QuerySelector("[data-action=edit]")!.GetAttribute("href")
            .Should().Be($"/campaigns/{app.Ids["Autumn newsletter"]}/review", "editing resumes after the last completed step");

        var viewed = await viewer.GetPageAsync("/campaigns?size=50");
        viewed.QuerySelector("a[href='/campaigns/new']").Should().BeNull();
        Actions(viewed, "Autumn newsletter").Should().Equal("open");
        Actions(viewed, "Easter egg hunt").Should().Equal("open");
    }
}

public sealed class CampaignListEmptyTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    [Fact]
    public async Task With_no_campaigns_the_empty_state_leads_creators_to_a_new_campaign()
    {
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);

        var empty = (await marketer.GetPageAsync("/campaigns")).QuerySelector("[data-testid=empty-state]")!;
        empty.TextContent.Should().Contain("No campaigns yet");
        empty.QuerySelector("a[href='/campaigns/new']")!.TextContent.Should().Contain("New campaign");

        var forViewer = (await viewer.GetPageAsync("/campaigns")).QuerySelector("[data-testid=empty-state]")!;
        forViewer.TextContent.Should().Contain("Campaigns appear here once a marketer creates them.");
        forViewer.QuerySelector("a").Should().BeNull();
    }
}
