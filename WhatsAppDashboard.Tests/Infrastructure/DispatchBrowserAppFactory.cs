using WhatsAppDashboard.Tests.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// A browser on an app that really sends: the dispatcher on with quick back-offs and polls, a quiet sandbox
/// (no latency, no random failures, status webhooks held back) with a high throughput cap, and the demo data
/// seeded: the "Sandbox" account with its approved templates and 500 labelled contacts. Subclasses change what they
/// need through <see cref="Overrides"/>.
/// </summary>
public class DispatchBrowserAppFactory : BrowserAppFactory
{
    /// <summary>Settings applied last, on top of the ones above.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>();

    private readonly string _sandboxToken = "sandbox-browser-token-" + Guid.NewGuid().ToString("N");

    protected sealed override IReadOnlyDictionary<string, string?> ExtraSettings
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
            foreach (var (key, value) in Overrides)
                settings[key] = value;
            return settings;
        }
    }
}
