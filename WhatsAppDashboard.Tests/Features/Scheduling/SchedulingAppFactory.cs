using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Scheduling;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Scheduling;

/// <summary>
/// The app with its real scheduler and the real <see cref="StatusOnlyScheduledCampaignRunner"/>, every call of which
/// is also written to <see cref="Fires"/> (shareable between instances, to count fires across a cluster).
/// Given a connection string, it runs on that existing database and leaves it in place when disposed (the test that
/// created it drops it), so several instances can share one database, one after the other or at once.
/// </summary>
public class SchedulingAppFactory : AppFactory
{
    private readonly string? _existingDatabase;
    private readonly Dictionary<string, string?> _settings;

    public SchedulingAppFactory()
        : this(existingDatabase: null, name: "app", new FireLog(), settings: null)
    {
    }

    private SchedulingAppFactory(
        string? existingDatabase, string name, FireLog fires, IReadOnlyDictionary<string, string?>? settings)
    {
        _existingDatabase = existingDatabase;
        Name = name;
        Fires = fires;
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
    }

    /// <summary>An instance on an existing database, recording into <paramref name="fires"/> under <paramref name="name"/>.</summary>
    public static SchedulingAppFactory On(
        string database, string name, FireLog fires, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(database, name, fires, settings);

    /// <summary>Which instance recorded a fire.</summary>
    public string Name { get; }

    public FireLog Fires { get; }

    public CampaignScheduler Scheduler => Services.GetRequiredService<CampaignScheduler>();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => _settings;

    protected override Task<string> CreateDatabaseAsync() =>
        _existingDatabase is null ? base.CreateDatabaseAsync() : Task.FromResult(_existingDatabase);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddScoped<StatusOnlyScheduledCampaignRunner>();
            services.AddScoped<IScheduledCampaignRunner>(sp =>
                new RecordingRunner(sp.GetRequiredService<StatusOnlyScheduledCampaignRunner>(), Fires, Name));
        });
    }

    /// <summary>Starts the app (and with it the scheduler, unless it is switched off).</summary>
    public async Task StartAppAsync()
    {
        await InitializeAsync();
        _ = Services;
    }

    /// <summary>A campaign moved from draft to scheduled the way the wizard does, saved through the app's DbContext.</summary>
    public async Task<int> AddScheduledCampaignAsync(string name)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = DateTimeOffset.UtcNow;
        var campaign = new Campaign
        {
            Name = name, CreatedByName = "Scheduling Tester", CreatedAt = now, UpdatedAt = now, ScheduleKind = ScheduleKind.Once,
        };
        campaign.MoveTo(CampaignStatus.Scheduled);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    public async Task CancelCampaignAsync(int id)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var campaign = await db.Campaigns.SingleAsync(c => c.Id == id);
        campaign.MoveTo(CampaignStatus.Cancelled);
        await db.SaveChangesAsync();
    }

    public async Task<Campaign> CampaignAsync(int id)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Campaigns.AsNoTracking().SingleAsync(c => c.Id == id);
    }

    public async Task<bool> IsRunningAsync(int id) => (await CampaignAsync(id)).Status == CampaignStatus.Running;

    /// <summary>The audit entries recording that this campaign was started by its schedule.</summary>
    public async Task<List<WhatsAppDashboard.Features.Audit.AuditEntry>> RunAuditsAsync(string campaignName)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEntries.AsNoTracking()
            .Where(a => a.Action == "campaigns.run" && a.Target == campaignName)
            .ToListAsync();
    }

    /// <summary>
    /// Whether Quartz is done with everything it was given: no job left and no fire in progress. A fired one-off
    /// trigger removes its job once the job has finished, so after this nothing more can fire.
    /// </summary>
    public async Task<bool> QuartzIsIdleAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var left = await db.Database.SqlQueryRaw<int>(
            """
            SELECT ((SELECT count(*) FROM qrtz_job_details WHERE job_group = 'campaigns')
                  + (SELECT count(*) FROM qrtz_fired_triggers))::int AS "Value"
            """).SingleAsync();
        return left == 0;
    }

    /// <summary>A time a few seconds ahead, on a whole second (the store keeps times exactly; this keeps messages readable).</summary>
    public static DateTimeOffset SecondsAhead(int seconds)
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(seconds + 1);
    }

    private sealed class RecordingRunner(IScheduledCampaignRunner inner, FireLog fires, string instance) : IScheduledCampaignRunner
    {
        public async Task RunAsync(int campaignId, DateTimeOffset scheduledForUtc, DateOnly? occurrenceDate, CancellationToken ct)
        {
            var failed = true;
            try
            {
                if (fires.TakeFailure(campaignId))
                    throw new InvalidOperationException($"Campaign {campaignId}: a failure the test asked for.");
                await inner.RunAsync(campaignId, scheduledForUtc, occurrenceDate, ct);
                failed = false;
            }
            finally
            {
                // Once the runner has finished, so a test that sees the fire also sees what the runner did.
                fires.Add(new Fire(campaignId, scheduledForUtc, occurrenceDate, instance, failed));
            }
        }
    }
}

public sealed record Fire(int CampaignId, DateTimeOffset ScheduledForUtc, DateOnly? OccurrenceDate, string Instance, bool Failed);

/// <summary>Every call of the runner, in any instance that shares this log.</summary>
public sealed class FireLog
{
    private readonly ConcurrentQueue<Fire> _fires = new();
    private readonly ConcurrentDictionary<int, bool> _failures = new();

    public void Add(Fire fire) => _fires.Enqueue(fire);

    /// <summary>The next run of this campaign throws (as when the database is briefly unreachable).</summary>
    public void FailNextRunOf(int campaignId) => _failures[campaignId] = true;

    public bool TakeFailure(int campaignId) => _failures.TryRemove(campaignId, out _);

    public IReadOnlyList<Fire> For(int campaignId) => _fires.Where(f => f.CampaignId == campaignId).ToList();
}

public static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every 200 ms until it holds; fails after a generous bound (20 s).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            if (elapsed.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new Xunit.Sdk.XunitException($"Waited {seconds} s in vain for {what}.");
            await Task.Delay(200);
        }
    }
}
