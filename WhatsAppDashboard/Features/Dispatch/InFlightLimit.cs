namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// How many sends of one account may be waiting for Meta's answer at once: enough to keep the throughput
/// whatever the latency (throughput × p90 latency, with half again as headroom), within
/// <c>Dispatch:MinConcurrency</c>…<c>MaxConcurrency</c>. Latency is measured on the last few hundred sends.
/// </summary>
public sealed class InFlightLimit(int min, int max)
{
    private const int Window = 256;
    /// <summary>Assumed until measured: a little above Meta's usual answer time.</summary>
    private const double InitialLatencySeconds = 0.25;

    private readonly double[] _latencies = new double[Window];
    private readonly Lock _lock = new();
    private int _count;
    private int _next;
    private int _inFlight;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int InFlight => Volatile.Read(ref _inFlight);

    public void RecordLatency(TimeSpan latency)
    {
        lock (_lock)
        {
            _latencies[_next] = latency.TotalSeconds;
            _next = (_next + 1) % Window;
            _count = Math.Min(Window, _count + 1);
        }
    }

    public double P90LatencySeconds
    {
        get
        {
            lock (_lock)
            {
                if (_count == 0)
                    return InitialLatencySeconds;
                var sorted = _latencies.Take(_count).Order().ToArray();
                return sorted[(int)Math.Ceiling(0.9 * _count) - 1];
            }
        }
    }

    public int LimitFor(double ratePerSecond) =>
        (int)Math.Clamp(Math.Ceiling(ratePerSecond * P90LatencySeconds * 1.5) + 1, min, max);

    /// <summary>Free places for new sends at <paramref name="ratePerSecond"/>.</summary>
    public int FreeFor(double ratePerSecond) => Math.Max(0, LimitFor(ratePerSecond) - InFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave()
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Returns when any send finishes, or after <paramref name="timeout"/>.</summary>
    public async Task WaitForReleaseAsync(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        var released = Volatile.Read(ref _released).Task;
        try
        {
            await released.WaitAsync(timeout, clock, ct);
        }
        catch (TimeoutException)
        {
            // Check again.
        }
    }
}
