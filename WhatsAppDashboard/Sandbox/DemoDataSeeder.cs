using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Sandbox;

/// <summary>
/// A new installation with no WhatsApp account at all gets something to try: a sandbox account pointing at the
/// built-in simulator, the simulator's templates, and demo contacts with labels. Runs once: as soon as any
/// account exists (sandbox or real), it does nothing.
/// </summary>
public sealed class DemoDataSeeder(
    IServiceScopeFactory scopes,
    IOptions<SandboxOptions> options,
    ILogger<DemoDataSeeder> logger) : IHostedService
{
    public const string AccountName = "Sandbox";
    public const string PortfolioName = "Sandbox portfolio";
    public const int DemoContactCount = 500;
    public static readonly string[] DemoLabels = ["vip", "newsletter", "returning"];
    private const string Actor = "system";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var sandbox = options.Value;
        if (!sandbox.Enabled || !sandbox.SeedDemoData)
            return;

        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<AppDbContext>();
        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            return; // DatabaseStartup has said what to do.
        if (await db.WhatsAppAccounts.AnyAsync(cancellationToken))
            return;

        var clock = services.GetRequiredService<TimeProvider>();
        var secrets = services.GetRequiredService<AccountSecrets>();
        var now = clock.GetUtcNow();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Two instances starting together: the second waits here, then sees the first one's account.
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtext('sandbox.seed'))", cancellationToken);
        if (await db.WhatsAppAccounts.AnyAsync(cancellationToken))
            return;

        var account = new WhatsAppAccount
        {
            Name = AccountName,
            PhoneNumberId = SandboxOptions.DefaultPhoneNumberId,
            WabaId = SandboxOptions.DefaultWabaId,
            DisplayPhoneNumber = sandbox.DisplayNumberFor(SandboxOptions.DefaultPhoneNumberId),
            BusinessPortfolio = await db.BusinessPortfolios.FirstOrDefaultAsync(p => p.Name == PortfolioName, cancellationToken)
                ?? new BusinessPortfolio { Name = PortfolioName, MessagingLimitTier = MessagingLimitTier.Tier10K },
            AccessTokenProtected = secrets.Protect(AccountSecretKind.AccessToken, sandbox.AccessToken),
            AppSecretProtected = secrets.Protect(AccountSecretKind.AppSecret, sandbox.AppSecret),
            WebhookVerifyToken = RandomNumberGenerator.GetHexString(32, lowercase: true),
            // Empty: resolved at call time to this app's own address + /sandbox/graph.
            ApiBaseUrl = "",
            ThroughputPerSecond = sandbox.ThroughputPerSecond,
            IsSandbox = true,
            IsActive = true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WhatsAppAccounts.Add(account);
        services.GetRequiredService<AuditLog>().Record(Actor, "accounts.create", AccountName, "sandbox account seeded on first start");

        var contactsSeeded = 0;
        if (!await db.Contacts.AnyAsync(cancellationToken))
            contactsSeeded = await AddDemoContactsAsync(db, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);

        // The simulator's catalogue, stored exactly as a sync would store it, in the same transaction.
        var catalogue = services.GetRequiredService<SandboxTemplateCatalogue>().All
            .Select(t => new RemoteTemplate(t.Id, t.Name, t.Language, t.Json["category"]?.GetValue<string>() ?? "MARKETING",
                t.Status, t.ParameterFormat, t.Json["components"]?.ToJsonString() ?? "[]"))
            .ToList();
        var templates = await services.GetRequiredService<TemplateSync>().ApplyAsync(account.Id, catalogue, Actor, cancellationToken);
        if (!templates.Succeeded)
        {
            logger.LogWarning("Sandbox templates were not seeded: {Error}", templates.Error);
            return;
        }
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation(
            "First start: seeded the sandbox account, {Templates} templates and {Contacts} demo contacts.", templates.Added, contactsSeeded);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Numbers in the 555-01xx range, which North American numbering reserves for fiction, so the demo can never
    /// reach a real person even if pointed at Meta by mistake.
    /// </summary>
    private static async Task<int> AddDemoContactsAsync(AppDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var labels = new Dictionary<string, Label>();
        foreach (var name in DemoLabels)
        {
            labels[name] = await db.Labels.FirstOrDefaultAsync(l => l.Name == name, ct) ?? new Label { Name = name };
        }

        string[] firstNames = ["Ana", "Ben", "Chidi", "Dewi", "Emma", "Felipe", "Grace", "Hannah", "Ibrahim", "Jonas",
            "Kavya", "Liam", "Maria", "Noor", "Oluwaseun", "Priya", "Rafael", "Sofia", "Tomas", "Valentina", "Wei", "Yusuf", "Zara"];
        string[] lastNames = ["Adeyemi", "Becker", "Costa", "Das", "Evans", "Fischer", "Gupta", "Hartono", "Johnson", "Kumar",
            "Lopez", "Mensah", "Nowak", "Okafor", "Pereira", "Rahman", "Silva", "Santoso", "Taylor", "Wijaya", "Yilmaz"];
        string[] cities = ["Austin", "Berlin", "Jakarta", "Lagos", "London", "Mumbai", "São Paulo"];
        string[] plans = ["basic", "silver", "gold"];
        string[] areaCodes = ["201", "312", "415", "512", "718"];

        for (var i = 0; i < DemoContactCount; i++)
        {
            var contact = new Contact
            {
                Phone = $"+1{areaCodes[i / 100]}55501{i % 100:D2}",
                Name = $"{firstNames[i % firstNames.Length]} {lastNames[i / firstNames.Length % lastNames.Length]}",
                Attributes = new Dictionary<string, string>
                {
                    ["city"] = cities[i % cities.Length],
                    ["plan"] = plans[i % 3 == 0 ? 2 : i % 2],
                },
                // Every 40th person has opted out, every 125th is blocked: audiences must leave them out.
                IsOptedOut = i % 40 == 39,
                OptedOutAt = i % 40 == 39 ? now.AddDays(-(i % 30) - 1) : null,
                IsBlocked = i % 125 == 124,
                IsActive = i % 50 != 49,
                CreatedAt = now,
                UpdatedAt = now,
            };
            if (i % 5 == 0)
                contact.Labels.Add(labels["vip"]);
            if (i % 2 == 0)
                contact.Labels.Add(labels["newsletter"]);
            if (i % 3 == 1)
                contact.Labels.Add(labels["returning"]);
            db.Contacts.Add(contact);
        }
        return DemoContactCount;
    }
}
