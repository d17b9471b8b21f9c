using System.Text.Json.Serialization;

namespace WhatsAppDashboard.Benchmark;

/// <summary>The one JSON line a benchmark prints (snake_case). Figures that a run could not measure are null.</summary>
public sealed record BenchResult
{
    public string Scenario { get; init; } = "none";
    public int Recipients { get; init; }
    public double ImportRowsPerSec { get; init; }
    public int TargetMps { get; init; }
    public double DispatchMps { get; init; }
    public double Efficiency { get; init; }
    /// <summary>From the claim of a recipient to its answer being recorded (pacing, the request, the batched write).</summary>
    public double SendLatencyP50Ms { get; init; }
    public double SendLatencyP99Ms { get; init; }
    public double WebhookEventsAppliedPerSec { get; init; }
    public double? CounterLagP95Ms { get; init; }
    public double PeakRssMb { get; init; }
    [JsonPropertyName("cpu_ms_per_1000_messages")]
    public double CpuMsPer1000Messages { get; init; }
    public long Duplicates { get; init; }
    /// <summary>Recipients still pending or sending at the end.</summary>
    public long Lost { get; init; }
    /// <summary>Recipients whose outcome nobody knows (only after a crash); never sent again on their own.</summary>
    public long Unknown { get; init; }
    public bool CountersConsistent { get; init; }
    /// <summary>Crash: recipients claimed and not yet recorded when the process was killed (the bound on unknowns).</summary>
    public long? InFlightAtKill { get; init; }
    /// <summary>Webhook storm: posts made, invalid ones answered 401, and whether the counters came out exact.</summary>
    public long? StormPosts { get; init; }
    public long? StormInvalidRejected { get; init; }
    public long? StormInvalidSent { get; init; }
    public bool? StormCountersExact { get; init; }
    public long Sends { get; init; }
    public long WebhookEventsReplayed { get; init; }
    public double ElapsedSeconds { get; init; }
    public string LoadAverage { get; init; } = "";
}
