using System.Collections.Concurrent;

namespace WhatsAppDashboard.Sandbox;

/// <summary>
/// Meta's per-number throughput cap: at most N sends accepted per phone-number id within any sliding 1 s window.
/// Refused attempts do not use up the allowance.
/// </summary>
public sealed class ThroughputLimiter(TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _accepted = new(StringComparer.Ordinal);

    public bool TryAcquire(string phoneNumberId, int perSecond)
    {
        if (perSecond <= 0)
            return true;
        var times = _accepted.GetOrAdd(phoneNumberId, _ => new Queue<DateTimeOffset>());
        var now = clock.GetUtcNow();
        lock (times)
        {
            while (times.Count > 0 && times.Peek() <= now - Window)
                times.Dequeue();
            if (times.Count >= perSecond)
                return false;
            times.Enqueue(now);
            return true;
        }
    }
}
