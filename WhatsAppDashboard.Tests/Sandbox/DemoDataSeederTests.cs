using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Sandbox;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Sandbox;

/// <summary>A new installation seeds itself with the sandbox, and what it seeds works end to end over HTTP.</summary>
public sealed class SeededSandboxFactory : SandboxAppFactory
{
    protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
    {
        ["Sandbox:SeedDemoData"] = "true",
    };
}

public sealed class DemoDataSeederTests(SeededSandboxFactory app) : IClassFixture<SeededSandboxFactory>
{
    [Fact]
    public async Task First_start_seeds_a_sandbox_account_its_templates_and_demo_contacts()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        var account = await db.WhatsAppAccounts.Include(a => a.BusinessPortfolio).SingleAsync();
        account.Name.Should().Be("Sandbox");
        account.IsSandbox.Should().BeTrue();
        account.IsActive.Should().BeTrue();
        account.BusinessPortfolio!.MessagingLimitTier.Should().Be(MessagingLimitTier.Tier10K);
        var secrets = scope.ServiceProvider.GetRequiredService<AccountSecrets>();
        secrets.AccessToken(account).Should().Be(app.AccessToken, "the account carries the simulator's token, encrypted");
        account.AccessTokenProtected.Should().NotContain(app.AccessToken);
        secrets.AppSecret(account).Should().Be(SandboxAppFactory.AppSecret, "webhooks from the simulator must verify");

        var templates = await db.WhatsAppTemplates.Where(t => t.AccountId == account.Id).ToListAsync();
        templates.Where(t => t.Status == "APPROVED").Select(t => t.Name).Should().BeEquivalentTo(
            "welcome_offer", "weekend_sale", "tasting_invitation", "order_shipped");
        templates.Where(t => t.Status != "APPROVED").Select(t => (t.Name, t.Status)).Should().Equal(("loyalty_points_update", "PENDING"));

        (await db.Contacts.CountAsync()).Should().Be(DemoDataSeeder.DemoContactCount);
        (await db.Contacts.CountAsync(c => c.IsOptedOut)).Should().Be(12, "a few demo contacts have opted out");
        (await db.Contacts.CountAsync(c => c.IsOptedOut && c.OptedOutAt == null)).Should().Be(0);
        (await db.Contacts.CountAsync(c => c.IsBlocked)).Should().Be(4);
        (await db.Labels.Select(l => l.Name).ToListAsync()).Should().BeEquivalentTo("vip", "newsletter", "returning");
        (await db.Contacts.CountAsync(c => c.Labels.Any(l => l.Name == "vip"))).Should().Be(100);
        (await db.Contacts.Select(c => c.Phone).ToListAsync()).Should().OnlyContain(p => p.Length == 12 && p.Substring(5, 5) == "55501",
            "demo numbers stay in the range reserved for fiction");
    }

    [Fact]
    public async Task Seeding_happens_once()
    {
        var seeder = app.Services.GetServices<IHostedService>().OfType<DemoDataSeeder>().Single();
        await seeder.StartAsync(CancellationToken.None);

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        (await db.WhatsAppAccounts.CountAsync()).Should().Be(1);
        (await db.WhatsAppTemplates.CountAsync()).Should().Be(5);
        (await db.Contacts.CountAsync()).Should().Be(DemoDataSeeder.DemoContactCount);
    }

    [Fact]
    public async Task The_seeded_account_reaches_the_built_in_simulator_over_http()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        int accountId;
        await using (var scope = app.Services.CreateAsyncScope())
            accountId = await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppAccounts.Select(a => a.Id).SingleAsync();

        var accountPage = await client.GetPageAsync($"/accounts/{accountId}");
        var testConnection = (IHtmlFormElement)accountPage.QuerySelector($"form[action='/accounts/{accountId}/test-connection']")!;
        var afterTest = await client.FollowAsync(await client.SubmitAsync(testConnection));
        afterTest.QuerySelector("[data-testid=connection-result]")!.TextContent.Should().Contain("Sandbox Business");

        var templatesPage = await client.GetPageAsync($"/templates?account={accountId}");
        var sync = (IHtmlFormElement)templatesPage.QuerySelector($"form[action='/templates/sync/{accountId}']")!;
        var afterSync = await client.FollowAsync(await client.SubmitAsync(sync));
        afterSync.FlashTexts().Should().ContainSingle().Which.Should().Be("Synced Sandbox: 5 templates at Meta, nothing changed.",
            "the seeded templates are exactly what the simulator lists");
    }
}
