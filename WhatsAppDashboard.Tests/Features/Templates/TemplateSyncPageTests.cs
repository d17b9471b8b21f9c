using System.Net;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Templates;

/// <summary>"Sync now" on the templates page, against the app's own simulator over real HTTP.</summary>
public sealed class TemplateSyncPageTests(TemplateSyncPageTests.Factory app) : IClassFixture<TemplateSyncPageTests.Factory>
{
    /// <summary>The simulator lists its 5 templates and 7 generated ones; the app asks for 5 a page, so a sync reads 3 pages.</summary>
    public sealed class Factory : SandboxAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
        {
            ["Sandbox:ExtraTemplates"] = ExtraTemplates.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CloudApi:TemplatePageSize"] = "5",
        };
    }

    private const int ExtraTemplates = 7;
    private const int Listed = 5 + ExtraTemplates;

    private static readonly string[] GeneratedNames =
        Enumerable.Range(1, ExtraTemplates).Select(n => $"sandbox_extra_{n:0000}").ToArray();

    [Fact]
    public async Task Sync_now_stores_every_page_of_the_simulators_templates_then_finds_nothing_changed()
    {
        var waba = NewWabaId();
        var name = "Sync " + waba;
        var accountId = await app.CreateAccountAsync(name, app.AccessToken, wabaId: waba, isSandbox: true, apiBaseUrl: "");
        var (client, admin) = await app.SignedInClientAsync(Roles.Admin);

        var page = await SyncAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should().Be($"Synced {name}: {Listed} templates at Meta ({Listed} new).");
        var stored = await TemplatesAsync(accountId);
        stored.Where(t => !t.Name.StartsWith("sandbox_extra_", StringComparison.Ordinal))
            .Select(t => (t.Name, t.Language, t.Category, t.Status, t.ParameterFormat)).Should().BeEquivalentTo(new[]
            {
                ("welcome_offer", "en_US", "MARKETING", "APPROVED", "POSITIONAL"),
                ("weekend_sale", "en_US", "MARKETING", "APPROVED", "POSITIONAL"),
                ("tasting_invitation", "en_US", "MARKETING", "APPROVED", "POSITIONAL"),
                ("order_shipped", "en_US", "UTILITY", "APPROVED", "NAMED"),
                ("loyalty_points_update", "en_US", "MARKETING", "PENDING", "POSITIONAL"),
            });
        stored.Where(t => t.Name.StartsWith("sandbox_extra_", StringComparison.Ordinal)).Select(t => (t.Name, t.Status))
            .Should().BeEquivalentTo(GeneratedNames.Select(n => (n, "APPROVED")), "the templates on the second and third page count too");
        TemplateDefinition.Parse(stored.Single(t => t.Name == "tasting_invitation")).Buttons.Select(b => b.Text)
            .Should().Equal("Yes, count me in", "Not this time", "Stop promotions");
        TemplateListRequests(waba).Should().HaveCount(3, "the simulator was asked for this account's WABA, one page at a time");

        page = await SyncAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should().Be($"Synced {name}: {Listed} templates at Meta, nothing changed.");
        var audits = await AuditsAsync(name);
        audits.Select(e => e.Details).Should().Equal(
            $"listed={Listed}, added={Listed}, updated=0, unchanged=0, removed=0",
            $"listed={Listed}, added=0, updated=0, unchanged={Listed}, removed=0");
        audits.Should().OnlyContain(e => e.Actor == admin.Email);
    }

    [Fact]
    public async Task Sync_now_updates_what_changed_at_Meta_and_marks_what_Meta_no_longer_lists()
    {
        var waba = NewWabaId();
        var name = "Changes " + waba;
        // An absolute address works as well as the empty one.
        var accountId = await app.CreateAccountAsync(name, app.AccessToken, wabaId: waba, isSandbox: true,
            apiBaseUrl: app.BaseUrl + "/sandbox/graph");
        // What an earlier sync stored: welcome_offer still pending with an older text, and a template since deleted at Meta.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TemplateSync>().ApplyAsync(accountId,
            [
                new RemoteTemplate("1000000000000001", "welcome_offer", "en_US", "MARKETING", "PENDING", "POSITIONAL",
                    """[{"type":"BODY","text":"Hi {{1}}, welcome!"}]"""),
                new RemoteTemplate("1000000000000099", "spring_menu", "en_US", "MARKETING", "APPROVED", "POSITIONAL",
                    """[{"type":"BODY","text":"Spring is here, {{1}}"}]"""),
            ], "earlier sync");
        }
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);

        var page = await SyncAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should()
            .Be($"Synced {name}: {Listed} templates at Meta ({Listed - 1} new, 1 changed, 1 no longer at Meta).");
        var stored = await TemplatesAsync(accountId);
        stored.Should().HaveCount(Listed + 1);
        var welcome = stored.Single(t => t.Name == "welcome_offer");
        welcome.Status.Should().Be("APPROVED");
        TemplateDefinition.Parse(welcome).Body.Should().StartWith("Hi {{1}}, welcome to Northwind Coffee!");
        stored.Single(t => t.Name == "spring_menu").Status.Should().Be("DELETED", "it is kept for campaigns that used it, but cannot be sent");

        page = await client.GetPageAsync($"/templates?account={accountId}&status=DELETED");
        page.QuerySelectorAll("tr[data-template]").Select(r => r.GetAttribute("data-template")).Should().Equal("spring_menu");
    }

    [Fact]
    public async Task A_refused_token_changes_nothing_and_says_why()
    {
        var waba = NewWabaId();
        var name = "Bad token " + waba;
        var accountId = await app.CreateAccountAsync(name, "EAAG-revoked-" + waba, wabaId: waba, isSandbox: true, apiBaseUrl: "");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TemplateSync>().ApplyAsync(accountId,
                [new RemoteTemplate("77", "spring_menu", "en_US", "MARKETING", "APPROVED", "POSITIONAL", """[{"type":"BODY","text":"Spring"}]""")],
                "earlier sync");
        }
        var before = await TemplatesAsync(accountId);
        var syncedBefore = (await AccountAsync(accountId)).TemplatesSyncedAt;
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);

        var page = await SyncAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should()
            .Be("Meta refused to list the templates: (190) Invalid OAuth access token - Cannot parse access token");
        TemplateListRequests(waba).Should().ContainSingle("the simulator was asked, and refused");
        (await TemplatesAsync(accountId)).Should().BeEquivalentTo(before, "nothing was added, changed or marked deleted");
        (await AccountAsync(accountId)).TemplatesSyncedAt.Should().Be(syncedBefore);
        (await AuditsAsync(name)).Select(e => e.Actor).Should().Equal("earlier sync");
        app.Logs.Lines.Should().NotContain(line => line.Contains("EAAG-revoked-" + waba), "a token is never logged, even a refused one");
    }

    [Fact]
    public async Task Marketers_see_no_sync_button_and_their_posts_are_refused()
    {
        var waba = NewWabaId();
        var accountId = await app.CreateAccountAsync("Marketer view " + waba, app.AccessToken, wabaId: waba, isSandbox: true, apiBaseUrl: "");
        var (admin, _) = await app.SignedInClientAsync(Roles.Admin);
        (await admin.GetPageAsync("/templates")).QuerySelector($"form[action='/templates/sync/{accountId}']").Should().NotBeNull();
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await marketer.GetPageAsync("/templates");
        page.QuerySelector("h1")!.TextContent.Should().Be("Templates");
        page.QuerySelectorAll("[data-testid=sync]").Should().BeEmpty();

        var token = page.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value")
            ?? (await marketer.GetPageAsync("/account/password")).QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var response = await marketer.PostAsync($"/templates/sync/{accountId}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["returnUrl"] = "/templates" }));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        TemplateListRequests(waba).Should().BeEmpty("Meta was never asked");
        (await TemplatesAsync(accountId)).Should().BeEmpty();
    }

    /// <summary>Digits like Meta's WABA ids, unique per test: the simulator lists the same catalogue for any of them.</summary>
    private static string NewWabaId() => "3" + SandboxAppFactory.NewPhoneNumberId()[1..];

    /// <summary>Template-list requests the simulator received for this WABA, from the server's own request log.</summary>
    private IReadOnlyList<string> TemplateListRequests(string wabaId) =>
        app.Logs.Lines.Where(line => line.Contains("Request starting", StringComparison.Ordinal)
                                     && line.Contains($"/sandbox/graph/{SandboxAppFactory.GraphVersion}/{wabaId}/message_templates?", StringComparison.Ordinal))
            .ToList();

    private static async Task<IHtmlDocument> SyncAsync(HttpClient client, int accountId)
    {
        var templates = await client.GetPageAsync($"/templates?account={accountId}");
        var form = (IHtmlFormElement)templates.QuerySelector($"form[action='/templates/sync/{accountId}']")!;
        var response = await client.SubmitAsync(form);
        response.RedirectTarget().Should().Be($"/templates?account={accountId}", "the list comes back with its filters");
        return await client.FollowAsync(response);
    }

    private async Task<List<WhatsAppTemplate>> TemplatesAsync(int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppTemplates.AsNoTracking()
            .Where(t => t.AccountId == accountId).OrderBy(t => t.Id).ToListAsync();
    }

    private async Task<WhatsAppAccount> AccountAsync(int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId);
    }

    private async Task<List<WhatsAppDashboard.Features.Audit.AuditEntry>> AuditsAsync(string accountName)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEntries.AsNoTracking()
            .Where(e => e.Action == "templates.sync" && e.Target == accountName).OrderBy(e => e.Id).ToListAsync();
    }
}
