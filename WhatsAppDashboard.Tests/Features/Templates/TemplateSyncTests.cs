using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Templates;

/// <summary>
/// How a listing from Meta is merged into an account's templates (<see cref="TemplateSync.ApplyAsync"/>), with
/// listings built here. "Sync now" against the simulator over HTTP is in <see cref="TemplateSyncPageTests"/>.
/// </summary>
public sealed class TemplateSyncTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Actor = "admin@sync.example";

    [Fact]
    public async Task Listings_add_then_update_and_mark_vanished_templates_in_one_audited_step_each()
    {
        var name = "Sync " + Guid.NewGuid().ToString("N")[..8];
        var accountId = await app.CreateAccountAsync(name, "EAAG-unused");

        var first = await ApplyAsync(accountId,
            Remote("1", "order_update", "en_US", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Order {{1}} shipped"}]"""),
            Remote("2", "summer_sale", "pt_BR", "MARKETING", "PENDING", """[{"type":"BODY","text":"Promo {{1}}"}]"""),
            Remote("3", "old_news", "en_US", "MARKETING", "APPROVED", """[{"type":"BODY","text":"Old"}]"""));

        first.Should().Be(new TemplateSyncResult(name, Added: 3, Updated: 0, Unchanged: 0, Removed: 0, Error: null));
        var stored = await TemplatesAsync(accountId);
        stored.Select(t => (t.MetaTemplateId, t.Name, t.Language, t.Category, t.Status)).Should().BeEquivalentTo(new[]
        {
            ("1", "order_update", "en_US", "UTILITY", "APPROVED"),
            ("2", "summer_sale", "pt_BR", "MARKETING", "PENDING"),
            ("3", "old_news", "en_US", "MARKETING", "APPROVED"),
        });
        TemplateDefinition.Parse(stored.Single(t => t.Name == "order_update")).Body.Should().Be("Order {{1}} shipped");

        // Meta approves one, changes another's text, deletes the third and adds a fourth.
        var second = await ApplyAsync(accountId,
            Remote("1", "order_update", "en_US", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Order {{1}} is on its way"}]"""),
            Remote("2", "summer_sale", "pt_BR", "MARKETING", "APPROVED", """[{"type":"BODY","text":"Promo {{1}}"}]"""),
            Remote("4", "welcome", "en_US", "UTILITY", "REJECTED", """[{"type":"BODY","text":"Hi"}]"""));

        second.Should().Be(new TemplateSyncResult(name, Added: 1, Updated: 2, Unchanged: 0, Removed: 1, Error: null));
        second.Listed.Should().Be(3);
        stored = await TemplatesAsync(accountId);
        stored.Select(t => (t.Name, t.Status)).Should().BeEquivalentTo(new[]
        {
            ("order_update", "APPROVED"), ("summer_sale", "APPROVED"), ("old_news", "DELETED"), ("welcome", "REJECTED"),
        });
        TemplateDefinition.Parse(stored.Single(t => t.Name == "order_update")).Body.Should().Be("Order {{1}} is on its way");
        var deletedAt = (await AccountAsync(accountId)).TemplatesSyncedAt;
        stored.Single(t => t.Name == "old_news").SyncedAt.Should().Be(deletedAt, "the sync that found it gone marked it");

        // Nothing changed at Meta: nothing changes here, and a deleted template is not deleted twice.
        var third = await ApplyAsync(accountId,
            Remote("1", "order_update", "en_US", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Order {{1}} is on its way"}]"""),
            Remote("2", "summer_sale", "pt_BR", "MARKETING", "APPROVED", """[{"type":"BODY","text":"Promo {{1}}"}]"""),
            Remote("4", "welcome", "en_US", "UTILITY", "REJECTED", """[{"type":"BODY","text":"Hi"}]"""));

        third.Should().Be(new TemplateSyncResult(name, Added: 0, Updated: 0, Unchanged: 3, Removed: 0, Error: null));
        var account = await AccountAsync(accountId);
        account.TemplatesSyncedAt.Should().NotBeNull().And.NotBe(deletedAt);
        stored = await TemplatesAsync(accountId);
        stored.Where(t => t.Status != "DELETED").Should().OnlyContain(t => t.SyncedAt == account.TemplatesSyncedAt,
            "every template Meta listed was seen by the last sync");
        stored.Single(t => t.Name == "old_news").SyncedAt.Should().Be(deletedAt, "an already deleted template is left alone");

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var audits = await db.AuditEntries.Where(e => e.Action == "templates.sync" && e.Target == name).OrderBy(e => e.Id).ToListAsync();
        audits.Select(e => e.Details).Should().Equal(
            "listed=3, added=3, updated=0, unchanged=0, removed=0",
            "listed=3, added=1, updated=2, unchanged=0, removed=1",
            "listed=3, added=0, updated=0, unchanged=3, removed=0");
        audits.Should().OnlyContain(e => e.Actor == Actor);
    }

    [Fact]
    public async Task A_template_Meta_lists_again_after_deleting_it_gets_its_new_status_and_id()
    {
        var accountId = await app.CreateAccountAsync("Back " + Guid.NewGuid().ToString("N")[..8], "EAAG-unused");
        await ApplyAsync(accountId, Remote("5", "spring_menu", "en_US", "MARKETING", "APPROVED", """[{"type":"BODY","text":"Spring"}]"""));
        await ApplyAsync(accountId);

        var result = await ApplyAsync(accountId, Remote("6", "spring_menu", "en_US", "MARKETING", "PENDING", """[{"type":"BODY","text":"Spring"}]"""));

        (result.Added, result.Updated, result.Unchanged, result.Removed).Should().Be((0, 1, 0, 0));
        (await TemplatesAsync(accountId)).Select(t => (t.MetaTemplateId, t.Name, t.Status)).Should().Equal(("6", "spring_menu", "PENDING"));
    }

    [Fact]
    public async Task The_same_name_in_two_languages_is_two_templates_and_each_is_compared_on_its_own()
    {
        var accountId = await app.CreateAccountAsync("Languages " + Guid.NewGuid().ToString("N")[..8], "EAAG-unused");
        await ApplyAsync(accountId,
            Remote("7", "welcome", "en_US", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Hello {{1}}"}]"""),
            Remote("8", "welcome", "de_DE", "UTILITY", "PENDING", """[{"type":"BODY","text":"Hallo {{1}}"}]"""));

        var result = await ApplyAsync(accountId,
            Remote("7", "welcome", "en_US", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Hello {{1}}"}]"""),
            Remote("8", "welcome", "de_DE", "UTILITY", "APPROVED", """[{"type":"BODY","text":"Hallo {{1}}"}]"""));

        (result.Added, result.Updated, result.Unchanged, result.Removed).Should().Be((0, 1, 1, 0));
        (await TemplatesAsync(accountId)).Select(t => (t.Language, t.Status)).Should().BeEquivalentTo(new[]
        {
            ("en_US", "APPROVED"), ("de_DE", "APPROVED"),
        });
    }

    [Fact]
    public async Task Components_that_differ_only_in_key_order_or_spacing_are_not_a_change()
    {
        var accountId = await app.CreateAccountAsync("Json " + Guid.NewGuid().ToString("N")[..8], "EAAG-unused");
        await ApplyAsync(accountId, Remote("9", "receipt", "en_US", "UTILITY", "APPROVED",
            """[{"type":"HEADER","format":"TEXT","text":"Receipt"},{"type":"BODY","text":"Paid {{1}}"}]"""));

        var result = await ApplyAsync(accountId, Remote("9", "receipt", "en_US", "UTILITY", "APPROVED",
            """[ { "text" : "Receipt", "format" : "TEXT", "type" : "HEADER" }, { "text" : "Paid {{1}}", "type" : "BODY" } ]"""));

        (result.Added, result.Updated, result.Unchanged, result.Removed).Should().Be((0, 0, 1, 0));
    }

    [Fact]
    public async Task Named_parameters_and_components_are_stored_as_Meta_listed_them_and_bad_components_as_none()
    {
        var accountId = await app.CreateAccountAsync("Formats " + Guid.NewGuid().ToString("N")[..8], "EAAG-unused");

        await ApplyAsync(accountId,
            new RemoteTemplate("10", "order_shipped", "en_US", "UTILITY", "APPROVED", "named",
                """[{"type":"BODY","text":"Hi {{customer_name}}, order {{order_number}} is on its way."}]"""),
            new RemoteTemplate("11", "broken", "en_US", "UTILITY", "APPROVED", "POSITIONAL", """{"not":"an array"}"""));

        var stored = await TemplatesAsync(accountId);
        var shipped = stored.Single(t => t.Name == "order_shipped");
        shipped.ParameterFormat.Should().Be("NAMED");
        TemplateDefinition.Parse(shipped).Variables.Select(v => v.Key).Should().Equal("customer_name", "order_number");
        stored.Single(t => t.Name == "broken").ComponentsJson.Should().Be("[]");
    }

    [Fact]
    public async Task A_listing_for_an_account_that_is_gone_is_refused()
    {
        var result = await ApplyAsync(int.MaxValue, Remote("1", "anything", "en_US", "UTILITY", "APPROVED", "[]"));

        result.Succeeded.Should().BeFalse();
        result.Error.Should().Be("That account no longer exists.");
    }

    private static RemoteTemplate Remote(string id, string name, string language, string category, string status, string components) =>
        new(id, name, language, category, status, "POSITIONAL", components);

    private async Task<TemplateSyncResult> ApplyAsync(int accountId, params RemoteTemplate[] listing)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TemplateSync>().ApplyAsync(accountId, listing, Actor);
    }

    private async Task<List<WhatsAppTemplate>> TemplatesAsync(int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppTemplates.AsNoTracking()
            .Where(t => t.AccountId == accountId).ToListAsync();
    }

    private async Task<WhatsAppDashboard.Features.Accounts.WhatsAppAccount> AccountAsync(int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId);
    }
}
