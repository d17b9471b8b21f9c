using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Templates;

/// <summary>
/// "Sync now" through the templates page. These run against <see cref="GraphApiDouble"/> until the sandbox
/// simulator is merged (see there); then they move to the simulator.
/// </summary>
public sealed class TemplateSyncTests(GraphApiDoubleAppFactory app) : IClassFixture<GraphApiDoubleAppFactory>
{
    private const string Token = "EAAG-sync-token";

    [Fact]
    public async Task Sync_adds_then_updates_and_marks_vanished_templates_in_one_audited_step()
    {
        var waba = "waba-" + Guid.NewGuid().ToString("N")[..8];
        app.Graph.ValidToken = Token;
        var accountId = await app.CreateAccountAsync("Sync " + waba, Token, wabaId: waba);
        app.Graph.Templates[waba] =
        [
            Remote("1", "order_update", "en_US", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Order {{1}} shipped"}]"""),
            Remote("2", "summer_sale", "pt_BR", "MARKETING", "PENDING", """[{"type":"BODY","text":"Promo {{1}}"}]"""),
            Remote("3", "old_news", "en_US", "MARKETING", "APPROVED", """[{"type":"BODY","text":"Old"}]"""),
        ];
        var (client, admin) = await app.SignedInClientAsync(Roles.Admin);

        var page = await SyncAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should().Be($"Synced Sync {waba}: 3 templates at Meta (3 new).");
        var stored = await TemplatesAsync(accountId);
        stored.Select(t => (t.Name, t.Language, t.Category, t.Status)).Should().BeEquivalentTo(new[]
        {
            ("order_update", "en_US", "UTILITY", "APPROVED"),
            ("summer_sale", "pt_BR", "MARKETING", "PENDING"),
            ("old_news", "en_US", "MARKETING", "APPROVED"),
        });
        app.Graph.Calls.Should().Contain(c => c.Operation == "list-templates" && c.Target.WabaId == waba && c.Target.AccessToken == Token,
            "the app decrypts the token and lists the account's WABA");

        // Meta approves one, changes another's text, deletes the third and adds a fourth.
        app.Graph.Templates[waba] =
        [
            Remote("1", "order_update", "en_US", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Order {{1}} is on its way"}]"""),
            Remote("2", "summer_sale", "pt_BR", "MARKETING", "APPROVED", """[{"type":"BODY","text":"Promo {{1}}"}]"""),
            Remote("4", "welcome", "en_US", "UTILITY", "REJECTED", """[{"type":"BODY","text":"Hi"}]"""),
        ];
        page = await SyncAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should().Be($"Synced Sync {waba}: 3 templates at Meta (1 new, 2 changed, 1 no longer at Meta).");
        stored = await TemplatesAsync(accountId);
        stored.Select(t => (t.Name, t.Status)).Should().BeEquivalentTo(new[]
        {
            ("order_update", "APPROVED"), ("summer_sale", "APPROVED"), ("old_news", "DELETED"), ("welcome", "REJECTED"),
        });
        TemplateDefinition.Parse(stored.Single(t => t.Name == "order_update")).Body.Should().Be("Order {{1}} is on its way");

        // Nothing changed at Meta: nothing changes here, and a deleted template is not deleted twice.
        page = await SyncAsync(client, accountId);
        page.FlashTexts().Should().ContainSingle().Which.Should().Be($"Synced Sync {waba}: 3 templates at Meta, nothing changed.");

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var account = await db.WhatsAppAccounts.SingleAsync(a => a.Id == accountId);
        account.TemplatesSyncedAt.Should().NotBeNull();
        (await TemplatesAsync(accountId)).Where(t => t.Status != "DELETED").Should().OnlyContain(t => t.SyncedAt == account.TemplatesSyncedAt,
            "every template Meta listed was seen by the last sync");
        var audits = await db.AuditEntries.Where(e => e.Action == "templates.sync" && e.Target == account.Name).OrderBy(e => e.Id).ToListAsync();
        audits.Select(e => e.Details).Should().Equal(
            "listed=3, added=3, updated=0, unchanged=0, removed=0",
            "listed=3, added=1, updated=2, unchanged=0, removed=1",
            "listed=3, added=0, updated=0, unchanged=3, removed=0");
        audits.Should().OnlyContain(e => e.Actor == admin.Email);
    }

    [Fact]
    public async Task A_refused_token_changes_nothing_and_says_why()
    {
        var waba = "waba-" + Guid.NewGuid().ToString("N")[..8];
        app.Graph.ValidToken = Token;
        var accountId = await app.CreateAccountAsync("Bad token " + waba, "EAAG-revoked", wabaId: waba);
        app.Graph.Templates[waba] = [Remote("9", "anything", "en_US", "UTILITY", "APPROVED", "[]")];
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);

        var page = await SyncAsync(client, accountId);

        page.FlashTexts().Should().ContainSingle().Which.Should()
            .Be("Meta refused to list the templates: (190) Invalid OAuth access token - Cannot parse access token");
        (await TemplatesAsync(accountId)).Should().BeEmpty();
    }

    [Fact]
    public async Task Marketers_see_no_sync_button_and_their_posts_are_refused()
    {
        var waba = "waba-" + Guid.NewGuid().ToString("N")[..8];
        app.Graph.ValidToken = Token;
        var accountId = await app.CreateAccountAsync("Marketer view " + waba, Token, wabaId: waba);
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
        app.Graph.Calls.Should().NotContain(c => c.Target.WabaId == waba, "Meta was never asked");
    }

    [Fact]
    public async Task Test_connection_shows_what_Meta_says_about_the_number_or_why_it_failed()
    {
        app.Graph.ValidToken = Token;
        var phoneNumberId = "pn-" + Guid.NewGuid().ToString("N")[..10];
        app.Graph.PhoneNumbers[phoneNumberId] = new PhoneNumberInfo(phoneNumberId, "+44 20 7946 0018", "Acme Support", "GREEN", "STANDARD", "TIER_10K");
        var goodId = await app.CreateAccountAsync("Connect " + phoneNumberId, Token, phoneNumberId: phoneNumberId);
        var badId = await app.CreateAccountAsync("Broken " + phoneNumberId, "EAAG-expired");
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);

        var page = await TestConnectionAsync(client, goodId);

        var expected = "+44 20 7946 0018 · verified name Acme Support · quality GREEN · throughput STANDARD · messaging limit TIER_10K";
        page.FlashTexts().Should().ContainSingle().Which.Should().Be("Connected: " + expected);
        page.QuerySelector("[data-testid=connection-result]")!.TextContent.Trim().Should().Be("OK: " + expected);
        (await client.GetPageAsync("/accounts")).QuerySelector($"tr[data-account='Connect {phoneNumberId}']")!.TextContent
            .Should().Contain("OK: +44 20 7946 0018");

        page = await TestConnectionAsync(client, badId);

        page.FlashTexts().Should().ContainSingle().Which.Should().Be(
            "Connection failed: Meta refused: (190) Invalid OAuth access token - Cannot parse access token (check the access token and its permissions)");
        page.QuerySelector("[data-testid=connection-result]")!.TextContent.Trim().Should().StartWith("Failed: Meta refused: (190)");
    }

    private static RemoteTemplate Remote(string id, string name, string language, string category, string status, string components) =>
        new(id, name, language, category, status, "POSITIONAL", components);

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> SyncAsync(HttpClient client, int accountId)
    {
        var templates = await client.GetPageAsync($"/templates?account={accountId}");
        var form = (AngleSharp.Html.Dom.IHtmlFormElement)templates.QuerySelector($"form[action='/templates/sync/{accountId}']")!;
        var response = await client.SubmitAsync(form);
        response.RedirectTarget().Should().Be($"/templates?account={accountId}", "the list comes back with its filters");
        return await client.FollowAsync(response);
    }

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> TestConnectionAsync(HttpClient client, int accountId)
    {
        var account = await client.GetPageAsync($"/accounts/{accountId}");
        var form = (AngleSharp.Html.Dom.IHtmlFormElement)account.QuerySelector($"form[action='/accounts/{accountId}/test-connection']")!;
        var response = await client.SubmitAsync(form);
        response.RedirectTarget().Should().Be($"/accounts/{accountId}");
        return await client.FollowAsync(response);
    }

    private async Task<List<WhatsAppTemplate>> TemplatesAsync(int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppTemplates.AsNoTracking()
            .Where(t => t.AccountId == accountId).ToListAsync();
    }
}
