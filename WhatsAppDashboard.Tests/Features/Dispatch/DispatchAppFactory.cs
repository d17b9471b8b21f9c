using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>
/// The app on Kestrel with its sandbox and its dispatcher, tuned for quick tests: no sandbox throughput cap, short
/// back-offs and polls, a 2 s Cloud API time-out (so stale 'sending' rows can be declared after 4 s), no webhooks
/// within a test's lifetime. Subclasses add what they test through <see cref="DispatchSettings"/>.
/// </summary>
public class DispatchAppFactory : SandboxAppFactory
{
    protected virtual IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>();

    protected sealed override IReadOnlyDictionary<string, string?> SandboxSettings
    {
        get
        {
            var settings = FastDispatchSettings();
            settings["Sandbox:ThroughputPerSecond"] = "0";
            settings["Sandbox:RecentRequestsKept"] = "2000";
            // The status webhooks belong to the webhooks issue: keep them out of these tests.
            settings["Sandbox:SentDelay:MeanMs"] = "600000";
            foreach (var (key, value) in DispatchSettings)
                settings[key] = value;
            return settings;
        }
    }

    public static Dictionary<string, string?> FastDispatchSettings() => new()
    {
        ["Dispatch:Enabled"] = "true",
        ["Dispatch:BackoffBaseSeconds"] = "0.05",
        ["Dispatch:MaxBackoffSeconds"] = "0.2",
        ["Dispatch:PollIntervalMilliseconds"] = "100",
        ["Dispatch:ReconcileIntervalSeconds"] = "0.5",
        ["Dispatch:ResultFlushMilliseconds"] = "20",
        ["Dispatch:SlowDownSeconds"] = "2",
        // Generous for a loopback sandbox, so a busy machine (a cold JIT, a full run queue) never turns a send into
        // "unknown"; tests about time-outs set their own.
        ["CloudApi:TimeoutSeconds"] = "8",
        ["Dispatch:StaleSendingAfterSeconds"] = "10",
    };
}

/// <summary>
/// A second (third…) app instance on another factory's database: its own dispatcher, no web server of its own
/// (accounts point at the sandbox of the factory that owns the database). Disposing it leaves the database alone.
/// </summary>
public sealed class DispatchHost(string connectionString, string name, IReadOnlyDictionary<string, string?>? settings = null,
    Func<ICloudApiClient, ICloudApiClient>? wrapCloudApi = null) : AppFactory
{
    protected override Task<string> CreateDatabaseAsync() =>
        // Names its connections, so a test can find (and kill) exactly this instance's sessions.
        Task.FromResult(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = name }.ConnectionString);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var all = DispatchAppFactory.FastDispatchSettings();
            all["Sandbox:Enabled"] = "false";
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                all[key] = value;
            return all;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (wrapCloudApi is not null)
        {
            builder.ConfigureServices(services =>
            {
                var registered = services.Last(s => s.ServiceType == typeof(ICloudApiClient));
                services.Add(ServiceDescriptor.Transient<ICloudApiClient>(provider => wrapCloudApi(
                    (ICloudApiClient)registered.ImplementationFactory!(provider))));
            });
        }
    }

    /// <summary>Starts the instance (and with it its dispatcher).</summary>
    public async Task StartAsync()
    {
        await InitializeAsync();
        _ = Services;
    }
}
