using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>A sandbox account with the approved <c>welcome_offer</c> template, as the dispatcher finds it in the database.</summary>
public sealed record SandboxAccount(int AccountId, int TemplateId, int PortfolioId);

/// <summary>Accounts, campaigns and audiences for dispatch tests, written straight through <see cref="AppDbContext"/>.</summary>
public static class DispatchTestData
{
    private static int _counter;

    /// <summary>What the sandbox's <c>welcome_offer</c> template needs: two body values.</summary>
    public static FrozenMessage Welcome { get; } = new(null, [new TextParameter("Ana"), new TextParameter("WELCOME10")], []);

    public static async Task<SandboxAccount> CreateSandboxAccountAsync(
        this SandboxAppFactory app, int throughput = 1000, MessagingLimitTier tier = MessagingLimitTier.Unlimited,
        string? accessToken = null, int? portfolioId = null, string templateStatus = WhatsAppTemplate.Approved, bool isActive = true)
    {
        var n = Interlocked.Increment(ref _counter);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var secrets = scope.ServiceProvider.GetRequiredService<AccountSecrets>();
        var portfolio = portfolioId is { } id
            ? await db.BusinessPortfolios.SingleAsync(p => p.Id == id)
            : new BusinessPortfolio { Name = $"Portfolio {n} {Guid.NewGuid():N}"[..40], MessagingLimitTier = tier };
        var account = new WhatsAppAccount
        {
            Name = $"Sandbox line {n} {Guid.NewGuid():N}"[..40],
            PhoneNumberId = SandboxAppFactory.NewPhoneNumberId(),
            WabaId = SandboxAppFactory.WabaId,
            BusinessPortfolio = portfolio,
            DisplayPhoneNumber = "+1 202 555 0100",
            AccessTokenProtected = secrets.Protect(AccountSecretKind.AccessToken, accessToken ?? app.AccessToken),
            AppSecretProtected = secrets.Protect(AccountSecretKind.AppSecret, SandboxAppFactory.AppSecret),
            WebhookVerifyToken = "verify-" + n,
            GraphApiVersion = SandboxAppFactory.GraphVersion,
            ApiBaseUrl = app.BaseUrl + "/sandbox/graph",
            ThroughputPerSecond = throughput,
            IsSandbox = true,
            IsActive = isActive,
        };
        var template = new WhatsAppTemplate
        {
            Account = account,
            MetaTemplateId = "tpl-" + n,
            Name = "welcome_offer",
            Language = "en_US",
            Category = "MARKETING",
            Status = templateStatus,
            ComponentsJson = """[{"type":"BODY","text":"Hi {{1}}, use {{2}}"}]""",
        };
        db.WhatsAppTemplates.Add(template);
        await db.SaveChangesAsync();
        return new SandboxAccount(account.Id, template.Id, portfolio.Id);
    }

    public static async Task<int> CreateCampaignAsync(this AppFactory app, SandboxAccount account, string? defaultCountryCode = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var campaign = new Campaign
        {
            Name = $"Campaign {Interlocked.Increment(ref _counter)}",
            AccountId = account.AccountId,
            TemplateId = account.TemplateId,
            DefaultCountryCode = defaultCountryCode,
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    public static List<string> NewPhones(int count) => Enumerable.Range(0, count).Select(_ => SandboxAppFactory.NewRecipient()).ToList();

    private static long _suffixed = Random.Shared.Next(1_000_000, 8_000_000);

    /// <summary>A fresh 15-digit number ending in <paramref name="suffix"/> (7 digits), which the sandbox's
    /// <c>RecipientFailures</c> can match; never equal to a <see cref="SandboxAppFactory.NewRecipient"/> number (13 digits).</summary>
    public static string PhoneEndingIn(string suffix) => "+4" + Interlocked.Increment(ref _suffixed).ToString("D7") + suffix.PadLeft(7, '0');

    public static async IAsyncEnumerable<PlannedRecipient> Audience(IEnumerable<string> phones, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var phone in phones)
        {
            ct.ThrowIfCancellationRequested();
            await Task.CompletedTask;
            yield return new PlannedRecipient(phone, "Ana", null, Welcome, null);
        }
    }

    public static async IAsyncEnumerable<PlannedRecipient> Audience(IEnumerable<PlannedRecipient> recipients)
    {
        foreach (var recipient in recipients)
        {
            await Task.CompletedTask;
            yield return recipient;
        }
    }

    public static async Task<CampaignStartResult> StartAsync(this AppFactory app, int campaignId, IAsyncEnumerable<PlannedRecipient> audience)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CampaignStarter>().StartAsync(campaignId, audience, "tester@test.example");
    }

    public static async Task<int> StartCampaignAsync(this SandboxAppFactory app, SandboxAccount account, IEnumerable<string> phones)
    {
        var campaignId = await app.CreateCampaignAsync(account);
        var result = await app.StartAsync(campaignId, Audience(phones));
        result.Outcome.Should().Be(StartOutcome.Started, result.Message);
        return campaignId;
    }

    public static async Task<CampaignActionResult> ControlAsync(this AppFactory app, Func<CampaignControl, Task<CampaignActionResult>> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CampaignControl>());
    }

    public static async Task<Campaign> CampaignAsync(this AppFactory app, int campaignId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Campaigns.AsNoTracking().SingleAsync(c => c.Id == campaignId);
    }

    public static async Task<List<CampaignRecipient>> RecipientsAsync(this AppFactory app, int campaignId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().CampaignRecipients.AsNoTracking()
            .Where(r => r.CampaignId == campaignId).OrderBy(r => r.Id).ToListAsync();
    }

    /// <summary>Polls until the campaign reaches one of <paramref name="statuses"/>. The time limit only stops a
    /// broken run from hanging the suite; nothing is asserted about how long it took.</summary>
    public static async Task<Campaign> WaitForStatusAsync(this AppFactory app, int campaignId, params CampaignStatus[] statuses)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var campaign = await app.CampaignAsync(campaignId);
            if (statuses.Contains(campaign.Status))
                return campaign;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Campaign {campaignId} is still {campaign.Status} (sent {campaign.SentCount} of {campaign.TotalCount}, last error: {campaign.LastError}).");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the campaign's recipients (same time guard as above).</summary>
    public static async Task<List<CampaignRecipient>> WaitForRecipientsAsync(this AppFactory app, int campaignId, Func<List<CampaignRecipient>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var recipients = await app.RecipientsAsync(campaignId);
            if (condition(recipients))
                return recipients;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Campaign {campaignId} never got to: {what}. Statuses: " +
                    string.Join(", ", recipients.GroupBy(r => r.Status).Select(g => $"{g.Key}={g.Count()}")));
            await Task.Delay(50);
        }
    }

    /// <summary>The counters must equal the rows (see <see cref="CampaignCounters"/>), computed here independently.</summary>
    public static async Task CountersShouldMatchRowsAsync(this AppFactory app, int campaignId)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT c.total_count, c.sent_count, c.failed_count, c.skipped_count,
                   (SELECT count(*) FROM campaign_recipients r WHERE r.campaign_id = c.id)::int,
                   (SELECT count(*) FILTER (WHERE status IN ('Sent', 'Delivered', 'Read')) FROM campaign_recipients r WHERE r.campaign_id = c.id)::int,
                   (SELECT count(*) FILTER (WHERE status = 'Failed') FROM campaign_recipients r WHERE r.campaign_id = c.id)::int,
                   (SELECT count(*) FILTER (WHERE status = 'Skipped') FROM campaign_recipients r WHERE r.campaign_id = c.id)::int
            FROM campaigns c WHERE c.id = @id
            """, connection);
        command.Parameters.AddWithValue("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        var counters = (Total: reader.GetInt32(0), Sent: reader.GetInt32(1), Failed: reader.GetInt32(2), Skipped: reader.GetInt32(3));
        var rows = (Total: reader.GetInt32(4), Sent: reader.GetInt32(5), Failed: reader.GetInt32(6), Skipped: reader.GetInt32(7));
        counters.Should().Be(rows, "campaign {0}'s counters (total, sent, failed, skipped) must equal its recipient rows", campaignId);
    }

    /// <summary>Messages the sandbox accepted for each phone (E.164 in, as the test knows them).</summary>
    public static async Task<Dictionary<string, int>> AcceptedByPhoneAsync(this SandboxAppFactory app)
    {
        var stats = await app.StatsAsync();
        return stats.GetProperty("acceptedByRecipient").EnumerateObject().ToDictionary(p => "+" + p.Name, p => p.Value.GetInt32());
    }

    /// <summary>Send requests the sandbox received for a phone (accepted or refused), from its recent requests.</summary>
    public static async Task<List<JsonElement>> RequestsToAsync(this SandboxAppFactory app, string phone)
    {
        var stats = await app.StatsAsync();
        return stats.GetProperty("recentRequests").EnumerateArray()
            .Where(r => r.GetProperty("body").TryGetProperty("to", out var to) && to.GetString() == phone.TrimStart('+'))
            .ToList();
    }

    public static async Task<long> RejectedAsync(this SandboxAppFactory app, int code)
    {
        var stats = await app.StatsAsync();
        return stats.GetProperty("rejectedByCode").TryGetProperty(code.ToString(), out var count) ? count.GetInt64() : 0;
    }

    public static async Task<Contact> AddContactAsync(this AppFactory app, string phone, bool optedOut = false, bool blocked = false)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var contact = new Contact
        {
            Phone = phone,
            Name = "Contact " + phone,
            IsOptedOut = optedOut,
            OptedOutAt = optedOut ? DateTimeOffset.UtcNow : null,
            IsBlocked = blocked,
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Contacts.Add(contact);
        await db.SaveChangesAsync();
        return contact;
    }

    public static async Task<Contact?> ContactAsync(this AppFactory app, string phone)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Contacts.AsNoTracking().SingleOrDefaultAsync(c => c.Phone == phone);
    }

    public static async Task ExecuteAsync(this AppFactory app, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
