using WhatsAppDashboard.Tests.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// A browser on an app that really sends: the dispatcher on with quick back-offs and polls, a quiet sandbox
/// (no latency, no random failures, status webhooks held back) with a high throughput cap, and the demo data
/// seeded: the "Sandbox" account with its approved templates and 500 labelled contacts.
/// </summary>
public sealed class DispatchBrowserAppFactory : BrowserAppFactory
{
    private readonly string _sandboxToken = "sandbox-browser-token-" + Guid.NewGuid().ToString("N");

    protected override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var settings = SandboxAppFactory.QuietSettings(_sandboxToken);
            foreach (var (key, value) in DispatchAppFactory.FastDispatchSettings())
                settings[key] = value;
            settings["Sandbox:SeedDemoData"] = "true";
            // The seeded account takes its throughput from here: high enough that a run is never held up by it.
            settings["Sandbox:ThroughputPerSecond"] = "1000";
            // Status webhooks belong to the webhooks issue: keep them out of a run's lifetime.
            settings["Sandbox:SentDelay:MeanMs"] = "600000";
            return settings;
        }
    }
}
