using System.Globalization;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>
/// The <c>Sandbox</c> configuration section: how the simulated Cloud API behaves. Every value has a default that
/// makes a lively demo; tests and benchmarks override what they need. The maps (<see cref="FailureRates"/>,
/// <see cref="FailedStatusRates"/>, <see cref="RecipientFailures"/>, <see cref="WabaIds"/>) are merged with their
/// defaults by the configuration binder: set an entry to 0 to switch a default off.
/// </summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Phone-number id and WABA id the seeded sandbox account uses (any other id works as well).</summary>
    public const string DefaultPhoneNumberId = "100000000000001";
    public const string DefaultWabaId = "200000000000001";

    /// <summary>Serve <c>/sandbox/…</c> and run its webhook sender. Sandbox endpoints answer 404 when off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>On a start with no WhatsApp account at all, create a sandbox account, its templates and demo contacts.</summary>
    public bool SeedDemoData { get; set; } = true;

    /// <summary>The bearer token the simulated Graph API accepts. Sandbox-only: never a real Meta token.</summary>
    public string AccessToken { get; set; } = "sandbox-access-token";

    /// <summary>Signs webhooks (X-Hub-Signature-256); the sandbox account's app secret must be the same.</summary>
    public string AppSecret { get; set; } = "sandbox-app-secret";

    /// <summary>Where status and inbound webhooks are posted. Empty: this app's own <c>/webhooks/whatsapp</c> on its
    /// first listening address (the standalone simulator sends none unless this is set).</summary>
    public string WebhookUrl { get; set; } = "";

    /// <summary>Seeds every random decision, so a test run can repeat itself.</summary>
    public int? RandomSeed { get; set; }

    /// <summary>How long each Graph API call takes.</summary>
    public SandboxDelay Latency { get; set; } = new() { MeanMs = 80, JitterMs = 40 };

    /// <summary>Sends accepted per phone-number id within any 1 s window; more answer 130429. 0 means no cap.</summary>
    public int ThroughputPerSecond { get; set; } = 80;

    /// <summary>Share of sends answered at once with an error, by Meta error code (e.g. "131026": 0.02).</summary>
    public Dictionary<string, double> FailureRates { get; set; } = new()
    {
        ["131026"] = 0.01,
        ["131049"] = 0.01,
        ["131050"] = 0.005,
    };

    /// <summary>Share of sends that are accepted but then fail, reported by a <c>failed</c> status webhook.</summary>
    public Dictionary<string, double> FailedStatusRates { get; set; } = new()
    {
        ["131026"] = 0.01,
        ["131049"] = 0.005,
    };

    /// <summary>Recipients whose digits end with a key always get that error code (0 switches an entry off).</summary>
    public Dictionary<string, int> RecipientFailures { get; set; } = new()
    {
        ["00000"] = 131026,
    };

    /// <summary>Delay from acceptance to the <c>sent</c> status webhook.</summary>
    public SandboxDelay SentDelay { get; set; } = new() { MeanMs = 200, JitterMs = 100 };

    public double DeliveredProbability { get; set; } = 0.95;
    /// <summary>Delay from <c>sent</c> to <c>delivered</c> (and to <c>failed</c>).</summary>
    public SandboxDelay DeliveredDelay { get; set; } = new() { MeanMs = 1500, JitterMs = 1000 };

    /// <summary>Chance that a delivered message is read.</summary>
    public double ReadProbability { get; set; } = 0.6;
    /// <summary>Chance that a read message gets no <c>delivered</c> event first, as Meta does when both happen at once.</summary>
    public double ReadWithoutDeliveredProbability { get; set; } = 0.1;
    /// <summary>Delay from delivery to <c>read</c>.</summary>
    public SandboxDelay ReadDelay { get; set; } = new() { MeanMs = 4000, JitterMs = 3000 };

    /// <summary>Chance that a read message with quick-reply buttons gets one clicked.</summary>
    public double ButtonClickProbability { get; set; } = 0.25;
    /// <summary>Chance that a read message (not clicked) gets a "STOP" text reply.</summary>
    public double StopReplyProbability { get; set; } = 0.02;
    /// <summary>Delay from <c>read</c> to the reply.</summary>
    public SandboxDelay ReplyDelay { get; set; } = new() { MeanMs = 3000, JitterMs = 2000 };

    /// <summary>Generated approved templates served after the built-in ones (for paging tests).</summary>
    public int ExtraTemplates { get; set; }

    /// <summary>The display number phone info and webhooks report; empty derives a fictional one from the id.</summary>
    public string DisplayPhoneNumber { get; set; } = "";
    public string VerifiedName { get; set; } = "Sandbox Business";
    public string QualityRating { get; set; } = "GREEN";
    /// <summary>Meta's tier name, e.g. TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED.</summary>
    public string MessagingLimitTier { get; set; } = "TIER_10K";

    /// <summary>WABA id reported in webhooks (<c>entry[].id</c>) per phone-number id; others get <see cref="FallbackWabaId"/>.</summary>
    public Dictionary<string, string> WabaIds { get; set; } = new() { [DefaultPhoneNumberId] = DefaultWabaId };
    public string FallbackWabaId { get; set; } = DefaultWabaId;

    /// <summary>Webhooks waiting (scheduled or retrying) at most; beyond it new ones are dropped with a log line.</summary>
    public int MaxPendingWebhooks { get; set; } = 200_000;
    /// <summary>Tries per webhook before it is dropped.</summary>
    public int WebhookAttempts { get; set; } = 4;
    /// <summary>Webhook posts in flight at once.</summary>
    public int WebhookConcurrency { get; set; } = 16;

    /// <summary>Send request bodies kept for <c>GET /sandbox/stats</c> (to check what the client sent).</summary>
    public int RecentRequestsKept { get; set; } = 50;

    public string WabaIdFor(string phoneNumberId) =>
        WabaIds.TryGetValue(phoneNumberId, out var waba) && waba.Length > 0 ? waba : FallbackWabaId;

    /// <summary>The configured display number, or a fictional US 555-01xx number that stays the same for an id.</summary>
    public string DisplayNumberFor(string phoneNumberId)
    {
        if (DisplayPhoneNumber.Length > 0)
            return DisplayPhoneNumber;
        // FNV-1a: string.GetHashCode differs between processes.
        var hash = 2166136261u;
        foreach (var c in phoneNumberId)
            hash = (hash ^ c) * 16777619u;
        return string.Create(CultureInfo.InvariantCulture, $"+1 202-555-01{hash % 100:00}");
    }
}

/// <summary>A delay drawn uniformly from <c>MeanMs ± JitterMs</c> (never below zero).</summary>
public sealed class SandboxDelay
{
    public int MeanMs { get; set; }
    public int JitterMs { get; set; }

    public override string ToString() => $"{MeanMs} ± {JitterMs} ms";
}

/// <summary>Refuses to start with a sandbox configuration that cannot work, naming the setting to fix.</summary>
public sealed class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        if (!options.Enabled)
            return ValidateOptionsResult.Skip;

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AccessToken))
            errors.Add("Sandbox:AccessToken must not be empty.");
        if (string.IsNullOrWhiteSpace(options.AppSecret))
            errors.Add("Sandbox:AppSecret must not be empty.");
        if (options.WebhookUrl.Length > 0
            && !(Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            errors.Add($"Sandbox:WebhookUrl '{options.WebhookUrl}' must be an absolute http(s) URL, or empty.");
        if (options.ThroughputPerSecond < 0)
            errors.Add("Sandbox:ThroughputPerSecond must be 0 (no cap) or more.");

        CheckDelay(errors, "Latency", options.Latency);
        CheckDelay(errors, "SentDelay", options.SentDelay);
        CheckDelay(errors, "DeliveredDelay", options.DeliveredDelay);
        CheckDelay(errors, "ReadDelay", options.ReadDelay);
        CheckDelay(errors, "ReplyDelay", options.ReplyDelay);

        CheckProbability(errors, "DeliveredProbability", options.DeliveredProbability);
        CheckProbability(errors, "ReadProbability", options.ReadProbability);
        CheckProbability(errors, "ReadWithoutDeliveredProbability", options.ReadWithoutDeliveredProbability);
        CheckProbability(errors, "ButtonClickProbability", options.ButtonClickProbability);
        CheckProbability(errors, "StopReplyProbability", options.StopReplyProbability);
        CheckRates(errors, "FailureRates", options.FailureRates);
        CheckRates(errors, "FailedStatusRates", options.FailedStatusRates);

        foreach (var (suffix, code) in options.RecipientFailures)
        {
            if (suffix.Length == 0 || !suffix.All(char.IsAsciiDigit))
                errors.Add($"Sandbox:RecipientFailures key '{suffix}' must be the digits a recipient number ends with.");
            if (code < 0)
                errors.Add($"Sandbox:RecipientFailures:{suffix} must be a Meta error code (or 0 to switch it off).");
        }

        if (options.ExtraTemplates is < 0 or > 10_000)
            errors.Add("Sandbox:ExtraTemplates must be between 0 and 10000.");
        if (options.MaxPendingWebhooks < 1)
            errors.Add("Sandbox:MaxPendingWebhooks must be at least 1.");
        if (options.WebhookAttempts is < 1 or > 20)
            errors.Add("Sandbox:WebhookAttempts must be between 1 and 20.");
        if (options.WebhookConcurrency is < 1 or > 1000)
            errors.Add("Sandbox:WebhookConcurrency must be between 1 and 1000.");
        if (options.RecentRequestsKept is < 0 or > 10_000)
            errors.Add("Sandbox:RecentRequestsKept must be between 0 and 10000.");
        if (string.IsNullOrWhiteSpace(options.FallbackWabaId))
            errors.Add("Sandbox:FallbackWabaId must not be empty.");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckDelay(List<string> errors, string name, SandboxDelay? delay)
    {
        if (delay is null || delay.MeanMs < 0 || delay.JitterMs < 0 || delay.MeanMs > 600_000 || delay.JitterMs > 600_000)
            errors.Add($"Sandbox:{name} needs MeanMs and JitterMs between 0 and 600000.");
    }

    private static void CheckProbability(List<string> errors, string name, double value)
    {
        if (value is < 0 or > 1 || double.IsNaN(value))
            errors.Add($"Sandbox:{name} must be between 0 and 1.");
    }

    private static void CheckRates(List<string> errors, string name, Dictionary<string, double> rates)
    {
        foreach (var (code, rate) in rates)
        {
            if (!int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                errors.Add($"Sandbox:{name} key '{code}' must be a Meta error code.");
            CheckProbability(errors, $"{name}:{code}", rate);
        }
        if (rates.Values.Where(r => r > 0).Sum() > 1)
            errors.Add($"Sandbox:{name} must add up to 1 or less.");
    }
}
