using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Live;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Live;

/// <summary>The app on Kestrel (hub clients need a real socket), with the dispatcher off so tests move counters by hand.</summary>
public class LiveAppFactory : KestrelAppFactory
{
    public const double PushesPerSecond = 4;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Live:MaxPushesPerSecond"] = PushesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public CampaignProgressNotifier Notifier => Services.GetRequiredService<CampaignProgressNotifier>();

    /// <summary>A campaign row (no account, no recipients) in <paramref name="status"/>, as a test arranges it.</summary>
    public async Task<int> AddCampaignAsync(string name, CampaignStatus status = CampaignStatus.Draft, int total = 0)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var campaign = new Campaign
        {
            Name = name,
            TotalCount = total,
            CreatedByName = "arranged@test.example",
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        if (status != CampaignStatus.Draft)
        {
            if (!CampaignTransitions.IsAllowed(CampaignStatus.Draft, status))
                campaign.MoveTo(CampaignStatus.Running);
            campaign.MoveTo(status);
        }
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    /// <summary>Runs SQL on this app's database in its own committed transaction.</summary>
    public async Task SqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    public Task<HubTestClient> ConnectAsync(string cookieHeader) => this.ConnectHubAsync(CampaignHub.Path, cookieHeader);
}

/// <summary>Another instance of the app on a database that <paramref name="connectionString"/> names (another factory owns it).</summary>
public sealed class SecondInstance(string connectionString) : KestrelAppFactory
{
    protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);
}
