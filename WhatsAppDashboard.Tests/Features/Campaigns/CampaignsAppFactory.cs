using System.Collections.Concurrent;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>
/// The app for campaign tests. Its clock runs three days ahead of the wall clock, so tests can tell that "now" comes
/// from the app's <see cref="TimeProvider"/>. Accounts, templates and campaigns are arranged directly in the database.
/// </summary>
public class CampaignsAppFactory : AppFactory
{
    public static readonly TimeSpan ClockShift = TimeSpan.FromDays(3);

    /// <summary>A template with a text header, three body variables (ordered 1, 2, 10) and a URL button variable.</summary>
    public const string PromoComponents = """
        [{"type":"HEADER","format":"TEXT","text":"{{1}} deals","example":{"header_text":["Weekend"]}},
         {"type":"BODY","text":"Hi {{1}}, take {{2}} off until {{10}}.",
          "example":{"body_text":[["Maria","20%","x","x","x","x","x","x","x","Sunday"]]}},
         {"type":"BUTTONS","buttons":[{"type":"URL","text":"Shop now","url":"https://shop.example/d/{{1}}","example":["https://shop.example/d/W20"]}]}]
        """;

    /// <summary>A template with one body variable and nothing else.</summary>
    public const string SimpleComponents = """[{"type":"BODY","text":"Hello {{1}}, your order is on its way.","example":{"body_text":[["Ada"]]}}]""";

    private int _counter;

    public TimeProvider Clock { get; } = new ShiftedClock(ClockShift);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(Clock);
            ConfigureServices(services);
        });
    }

    /// <summary>Test services a subclass adds (an audience size estimator, for example).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task<T> WithDbAsync<T>(Func<AppDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    public async Task WithDbAsync(Func<AppDbContext, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>An account in a portfolio of its own with the given messaging limit.</summary>
    public Task<int> AddAccountAsync(
        string name, MessagingLimitTier tier = MessagingLimitTier.Tier2K, bool active = true, int throughput = 80, bool withPortfolio = true) =>
        WithDbAsync(async db =>
        {
            var n = Interlocked.Increment(ref _counter);
            var now = Clock.GetUtcNow();
            var account = new WhatsAppAccount
            {
                Name = name,
                PhoneNumberId = $"pn-{Guid.NewGuid():N}"[..20],
                WabaId = $"waba-{n}",
                DisplayPhoneNumber = $"+44 20 7946 {n:D4}",
                BusinessPortfolio = withPortfolio ? new BusinessPortfolio { Name = $"{name} portfolio", MessagingLimitTier = tier } : null,
                WebhookVerifyToken = $"verify-{n}",
                // A token, so that "Run now" can really start a run (the starter refuses accounts without one).
                AccessTokenProtected = Services.GetRequiredService<AccountSecrets>().Protect(AccountSecretKind.AccessToken, $"token-{n}"),
                ThroughputPerSecond = throughput,
                IsActive = active,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.WhatsAppAccounts.Add(account);
            await db.SaveChangesAsync();
            return account.Id;
        });

    public Task<int> AddTemplateAsync(int accountId, string name, string status = WhatsAppTemplate.Approved, string components = SimpleComponents, string language = "en_US") =>
        WithDbAsync(async db =>
        {
            var template = new WhatsAppTemplate
            {
                AccountId = accountId,
                MetaTemplateId = $"meta-{Guid.NewGuid():N}"[..20],
                Name = name,
                Language = language,
                Category = "MARKETING",
                Status = status,
                ComponentsJson = components,
                SyncedAt = Clock.GetUtcNow(),
            };
            db.WhatsAppTemplates.Add(template);
            await db.SaveChangesAsync();
            return template.Id;
        });

    /// <summary>A campaign in the given status (reached through allowed moves), with the wizard done up to <paramref name="wizardStep"/>.</summary>
    public Task<int> AddCampaignAsync(
        string name, int? accountId = null, int? templateId = null, CampaignStatus status = CampaignStatus.Draft, int wizardStep = 4,
        Action<Campaign>? configure = null) =>
        WithDbAsync(async db =>
        {
            var campaign = CampaignTransitionsTests.CampaignIn(status);
            var now = Clock.GetUtcNow();
            campaign.Name = name;
            campaign.AccountId = accountId;
            campaign.TemplateId = templateId;
            campaign.WizardStep = wizardStep;
            campaign.CreatedByName = "arranged@test.example";
            campaign.CreatedAt = now;
            campaign.UpdatedAt = now;
            configure?.Invoke(campaign);
            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync();
            return campaign.Id;
        });

    /// <summary>One active contact, so a contacts audience is not empty when a test runs a campaign for real.</summary>
    public Task EnsureAudienceContactAsync() =>
        WithDbAsync(db => db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO contacts (phone, name, attributes, is_opted_out, is_blocked, is_active, created_at, updated_at)
            VALUES ('+14155550123', 'Audience Member', jsonb_build_object(), false, false, true, now(), now())
            ON CONFLICT (phone) DO NOTHING
            """));

    /// <summary>Maps every variable the template needs to fixed text, as a finished parameters step would.</summary>
    public static void MapEveryVariable(Campaign campaign, string components)
    {
        var definition = TemplateDefinition.Parse(components, TemplateDefinition.PositionalFormat);
        var mappings = definition.Variables.ToDictionary(ParameterMappings.KeyOf, _ => new ParameterMapping(MappingSource.Text, Text: "value"));
        if (definition.Header?.Format is TemplateHeaderFormat.Image or TemplateHeaderFormat.Document or TemplateHeaderFormat.Video)
            mappings[ParameterMappings.HeaderMediaKey] = new ParameterMapping(MappingSource.Text, Text: "https://example.com/media.jpg");
        ParameterMappings.Write(campaign, mappings);
    }

    public Task<Campaign?> FindCampaignAsync(int id) =>
        WithDbAsync(db => db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id));

    public Task<List<string>> AuditActionsAsync(string targetPrefix) =>
        WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.Target.StartsWith(targetPrefix)).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());

    /// <summary>A client signed in as a new user of <paramref name="role"/> whose time zone is <paramref name="timeZone"/>.</summary>
    public async Task<(HttpClient Client, TestUser User)> SignedInClientAsync(string role, string timeZone)
    {
        var user = await CreateUserAsync(role);
        await using (var scope = Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var appUser = await users.FindByEmailAsync(user.Email);
            appUser!.TimeZoneId = timeZone;
            (await users.UpdateAsync(appUser)).Succeeded.Should().BeTrue();
        }
        var client = CreateBrowserlessClient();
        (await client.SignInAsync(user.Email, user.Password)).StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect);
        return (client, user);
    }

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}

/// <summary>The campaign app with an audience size estimator, as the audience feature will provide one.</summary>
public sealed class EstimatingCampaignsAppFactory : CampaignsAppFactory
{
    public FixedAudienceSizes Sizes { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IAudienceSizeEstimator>(Sizes);
}

/// <summary>Audience sizes set by the tests, by campaign id; unknown for the others.</summary>
public sealed class FixedAudienceSizes : IAudienceSizeEstimator
{
    private readonly ConcurrentDictionary<int, int> _sizes = new();

    public void Set(int campaignId, int size) => _sizes[campaignId] = size;

    public Task<int?> EstimateAsync(Campaign campaign, CancellationToken ct) =>
        Task.FromResult(_sizes.TryGetValue(campaign.Id, out var size) ? size : (int?)null);
}

/// <summary>Posting campaign forms the way a browser does, including forms a user could only post by hand.</summary>
public static class CampaignForms
{
    /// <summary>Posts <paramref name="fields"/> as form <paramref name="formName"/> to <paramref name="url"/>, with a valid antiforgery token of this session.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string url, string formName, IDictionary<string, string> fields)
    {
        var home = await client.GetPageAsync("/account/settings");
        var token = home.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
        var body = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = formName,
        };
        return await client.PostAsync(url, new FormUrlEncodedContent(body));
    }

    public static string Text(this IElement? element) =>
        string.Join(' ', (element?.TextContent ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
