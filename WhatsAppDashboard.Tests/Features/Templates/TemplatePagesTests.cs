using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Templates;

public sealed class TemplatePagesTests(SeededTemplatesAppFactory app) : IClassFixture<SeededTemplatesAppFactory>
{
    public static TheoryData<string, string[]> Filters => new()
    {
        { "", ["appointment_reminder/en_GB", "invoice_ready/en_US", "weekend_promo/en_US", "weekend_promo/pt_BR"] },
        { "status=APPROVED", ["appointment_reminder/en_GB", "weekend_promo/pt_BR"] },
        { "category=MARKETING", ["weekend_promo/en_US", "weekend_promo/pt_BR"] },
        { "language=en_US", ["invoice_ready/en_US", "weekend_promo/en_US"] },
        { "status=APPROVED&category=UTILITY", ["appointment_reminder/en_GB"] },
        { "status=DISABLED", [] },
        { "account=not-a-number", ["appointment_reminder/en_GB", "invoice_ready/en_US", "weekend_promo/en_US", "weekend_promo/pt_BR"] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task The_list_filters_by_status_category_and_language(string query, string[] expected)
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync("/templates?" + query);

        page.QuerySelectorAll("tr[data-template]").Select(r => $"{r.GetAttribute("data-template")}/{r.GetAttribute("data-language")}")
            .Should().Equal(expected);
        if (expected.Length == 0)
            page.QuerySelector("[data-testid=empty-state]")!.TextContent.Should().Contain("No template matches these filters");
    }

    [Fact]
    public async Task The_account_filter_keeps_its_choice_and_status_badges_have_their_colours()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/templates?account={app.OtherAccount}");

        page.QuerySelectorAll("tr[data-template]").Select(r => r.GetAttribute("data-template")).Should().Equal("appointment_reminder");
        page.QuerySelector("#filter-account option[selected]")!.TextContent.Should().Be("UK service");

        var all = await client.GetPageAsync("/templates");
        string Badge(string name, string language) =>
            all.QuerySelector($"tr[data-template='{name}'][data-language='{language}'] [data-testid=template-status]")!.ClassName!;
        Badge("weekend_promo", "pt_BR").Should().Contain("text-bg-success");
        Badge("invoice_ready", "en_US").Should().Contain("text-bg-warning");
        Badge("weekend_promo", "en_US").Should().Contain("text-bg-danger");
    }

    [Fact]
    public async Task The_detail_page_previews_the_message_with_sample_values_and_lists_the_variables()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/templates/{app.TemplateIds["weekend_promo/pt_BR"]}");

        page.QuerySelector("h1")!.TextContent.Should().Be("weekend_promo");
        page.QuerySelector("[data-testid=sendability]")!.GetAttribute("data-sendable").Should().Be("true");
        page.QuerySelector("[data-testid=preview-header]")!.TextContent.Should().Be("Weekend deals");
        var body = page.QuerySelector("[data-testid=preview-body]")!;
        body.TextContent.Should().Be("Hi Maria, take 20% off until Sunday.\nSee you!");
        body.QuerySelectorAll("mark.wa-var").Select(m => (m.GetAttribute("data-variable"), m.TextContent))
            .Should().Equal(("1", "Maria"), ("2", "20%"), ("10", "Sunday"));
        page.QuerySelector("[data-testid=preview-footer]")!.TextContent.Should().Be("Reply STOP to unsubscribe");
        var buttons = page.QuerySelectorAll("[data-testid=preview-buttons] .wa-button");
        buttons.Select(b => b.TextContent.Trim()).Should().Equal("Stop promotions", "Shop now");
        buttons[1].GetAttribute("title").Should().Be("https://shop.example/d/WEEKEND20");

        page.QuerySelectorAll("[data-testid=variables] tbody tr").Select(r => r.TextContent.Trim().Replace("\n", " "))
            .Select(t => string.Join(' ', t.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Should().Equal("Header {{1}} Weekend", "Body {{1}} Maria", "Body {{2}} 20%", "Body {{10}} Sunday", "Button 2 URL {{1}} WEEKEND20");
    }

    [Fact]
    public async Task Templates_that_are_not_approved_are_marked_unusable_by_campaigns()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);

        var pending = await client.GetPageAsync($"/templates/{app.TemplateIds["invoice_ready/en_US"]}");
        pending.QuerySelector("[data-testid=sendability]")!.GetAttribute("data-sendable").Should().Be("false");
        pending.QuerySelector("[data-testid=sendability]")!.TextContent.Should().Contain("still reviewing");
        pending.QuerySelector("[data-testid=preview-media]")!.GetAttribute("data-format").Should().Be("Document");
        pending.QuerySelector("[data-testid=no-variables]").Should().NotBeNull();

        var rejected = await client.GetPageAsync($"/templates/{app.TemplateIds["weekend_promo/en_US"]}");
        rejected.QuerySelector("[data-testid=sendability]")!.TextContent.Should().Contain("Meta rejected this template");

        var named = await client.GetPageAsync($"/templates/{app.TemplateIds["appointment_reminder/en_GB"]}");
        named.QuerySelector("[data-testid=preview-body]")!.TextContent.Should().Be("See you at 10:00, Ola.");
    }

    [Fact]
    public async Task Viewers_may_not_see_templates_and_unknown_ids_are_not_found()
    {
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);
        foreach (var url in new[] { "/templates", $"/templates/{app.TemplateIds["weekend_promo/pt_BR"]}" })
        {
            var response = await viewer.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        }
        var token = (await viewer.GetPageAsync("/account/password")).QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var sync = await viewer.PostAsync($"/templates/sync/{app.MainAccount}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        sync.StatusCode.Should().Be(HttpStatusCode.Redirect);
        sync.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");

        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        (await marketer.GetAsync("/templates/999999")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

}

/// <summary>The app with two accounts and four templates (approved, pending, rejected; positional and named).</summary>
public sealed class SeededTemplatesAppFactory : AppFactory
{
    private static readonly DateTimeOffset SyncedAt = new(2026, 11, 20, 8, 30, 0, TimeSpan.Zero);

    private const string PromoComponents = """
        [{"type":"HEADER","format":"TEXT","text":"{{1}} deals","example":{"header_text":["Weekend"]}},
         {"type":"BODY","text":"Hi {{1}}, take {{2}} off until {{10}}.\nSee you!",
          "example":{"body_text":[["Maria","20%","x","x","x","x","x","x","x","Sunday"]]}},
         {"type":"FOOTER","text":"Reply STOP to unsubscribe"},
         {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop promotions"},
           {"type":"URL","text":"Shop now","url":"https://shop.example/d/{{1}}","example":["https://shop.example/d/WEEKEND20"]}]}]
        """;

    public int MainAccount { get; private set; }
    public int OtherAccount { get; private set; }
    public Dictionary<string, int> TemplateIds { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        MainAccount = await this.CreateAccountAsync("Brazil promos", "token-main");
        OtherAccount = await this.CreateAccountAsync("UK service", "token-other");
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var templates = new[]
        {
            Template(MainAccount, "weekend_promo", "pt_BR", "MARKETING", "APPROVED", PromoComponents),
            Template(MainAccount, "weekend_promo", "en_US", "MARKETING", "REJECTED", PromoComponents),
            Template(MainAccount, "invoice_ready", "en_US", "UTILITY", "PENDING",
                """[{"type":"HEADER","format":"DOCUMENT"},{"type":"BODY","text":"Your invoice is attached."}]"""),
            Template(OtherAccount, "appointment_reminder", "en_GB", "UTILITY", "APPROVED",
                """[{"type":"BODY","text":"See you at {{time}}, {{name}}.","example":{"body_text_named_params":[{"param_name":"time","example":"10:00"},{"param_name":"name","example":"Ola"}]}}]""",
                "NAMED"),
        };
        db.WhatsAppTemplates.AddRange(templates);
        await db.SaveChangesAsync();
        foreach (var t in templates)
            TemplateIds[$"{t.Name}/{t.Language}"] = t.Id;
    }


    private static WhatsAppTemplate Template(int accountId, string name, string language, string category, string status, string components, string format = "POSITIONAL") =>
        new()
        {
            AccountId = accountId, MetaTemplateId = $"{name}-{language}", Name = name, Language = language, Category = category,
            Status = status, ParameterFormat = format, ComponentsJson = components, SyncedAt = SyncedAt,
        };
}
