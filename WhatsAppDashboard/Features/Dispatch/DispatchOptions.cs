using Microsoft.Extensions.Options;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>The <c>Dispatch</c> configuration section: how campaigns are sent. The defaults suit production.</summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>Run the dispatcher in this instance. Every instance may run one: an advisory lock per account keeps
    /// exactly one of them sending for each account.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sends tried per recipient for transient errors (the first one included) before it is failed.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First back-off after a transient error; each later one doubles, with ±25 % jitter.</summary>
    public double BackoffBaseSeconds { get; set; } = 2;

    /// <summary>Longest back-off between two attempts.</summary>
    public double MaxBackoffSeconds { get; set; } = 300;

    /// <summary>Meta allows about one message per 6 s to the same user (131056): that recipient waits at least this long.</summary>
    public double PairRateDelaySeconds { get; set; } = 6;

    /// <summary>Hours after which a recipient refused by Meta's per-user marketing cap (131049) is tried again;
    /// 0 fails it at once.</summary>
    public double RetryLaterHours { get; set; }

    /// <summary>How long the sending rate stays halved after Meta answers 130429 (throughput reached) before it
    /// doubles back towards the account's throughput.</summary>
    public double SlowDownSeconds { get; set; } = 30;

    /// <summary>A recipient left in <c>sending</c> this long by a dispatcher that is gone becomes <c>unknown</c>.
    /// Must be longer than <c>CloudApi:TimeoutSeconds</c>, so a send still in flight is never taken for lost.</summary>
    public double StaleSendingAfterSeconds { get; set; } = 120;

    /// <summary>How often each instance looks for accounts with running campaigns, and the longest time a running
    /// dispatcher goes without re-reading its campaigns' status (pause and cancel take effect within it).</summary>
    public int PollIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Send results are written together every this many milliseconds…</summary>
    public int ResultFlushMilliseconds { get; set; } = 100;

    /// <summary>…or as soon as this many are waiting.</summary>
    public int ResultBatchSize { get; set; } = 200;

    /// <summary>Most recipients claimed at once (a claim also never exceeds about a quarter second of sending).</summary>
    public int MaxClaimSize { get; set; } = 500;

    /// <summary>Bounds of the concurrent requests per account; between them it follows throughput × p90 latency.</summary>
    public int MinConcurrency { get; set; } = 4;
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>How often a dispatcher turns stale <c>sending</c> rows of its account into <c>unknown</c>.</summary>
    public double ReconcileIntervalSeconds { get; set; } = 30;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMilliseconds);
    public TimeSpan StaleSendingAfter => TimeSpan.FromSeconds(StaleSendingAfterSeconds);
}

/// <summary>Refuses to start with settings that would send twice or never, naming the setting to fix.</summary>
public sealed class DispatchOptionsValidator(IOptions<CloudApiOptions> cloudApi) : IValidateOptions<DispatchOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatchOptions o)
    {
        var errors = new List<string>();
        if (o.MaxAttempts is < 1 or > 100)
            errors.Add("Dispatch:MaxAttempts must be between 1 and 100.");
        if (o.BackoffBaseSeconds is < 0.001 or > 3600)
            errors.Add("Dispatch:BackoffBaseSeconds must be between 0.001 and 3600.");
        if (o.MaxBackoffSeconds < o.BackoffBaseSeconds || o.MaxBackoffSeconds > 86_400)
            errors.Add("Dispatch:MaxBackoffSeconds must be at least Dispatch:BackoffBaseSeconds and at most 86400.");
        if (o.PairRateDelaySeconds is < 0 or > 3600)
            errors.Add("Dispatch:PairRateDelaySeconds must be between 0 and 3600.");
        if (o.RetryLaterHours is < 0 or > 168)
            errors.Add("Dispatch:RetryLaterHours must be between 0 (do not retry) and 168.");
        if (o.SlowDownSeconds is < 0.1 or > 3600)
            errors.Add("Dispatch:SlowDownSeconds must be between 0.1 and 3600.");
        // A send still waiting for its answer must never be declared lost: that is how a message could go out twice.
        var timeout = cloudApi.Value.TimeoutSeconds;
        if (o.StaleSendingAfterSeconds <= timeout + 1)
            errors.Add($"Dispatch:StaleSendingAfterSeconds ({o.StaleSendingAfterSeconds}) must be longer than CloudApi:TimeoutSeconds ({timeout}) plus one second.");
        if (o.PollIntervalMilliseconds is < 10 or > 1000)
            errors.Add("Dispatch:PollIntervalMilliseconds must be between 10 and 1000 (pause and cancel must act within a second).");
        if (o.ResultFlushMilliseconds is < 1 or > 1000)
            errors.Add("Dispatch:ResultFlushMilliseconds must be between 1 and 1000.");
        if (o.ResultBatchSize is < 1 or > 10_000)
            errors.Add("Dispatch:ResultBatchSize must be between 1 and 10000.");
        if (o.MaxClaimSize is < 1 or > 10_000)
            errors.Add("Dispatch:MaxClaimSize must be between 1 and 10000.");
        if (o.MinConcurrency < 1 || o.MaxConcurrency < o.MinConcurrency || o.MaxConcurrency > 10_000)
            errors.Add("Dispatch:MinConcurrency must be at least 1 and at most Dispatch:MaxConcurrency (at most 10000).");
        if (o.ReconcileIntervalSeconds is < 0.1 or > 3600)
            errors.Add("Dispatch:ReconcileIntervalSeconds must be between 0.1 and 3600.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
