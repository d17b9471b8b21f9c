using System.Globalization;

namespace WhatsAppDashboard.Sandbox;

/// <summary>
/// Every random decision of the sandbox, from one generator that <c>Sandbox:RandomSeed</c> can seed. Thread-safe;
/// with a seed, the same sequence of calls gives the same answers.
/// </summary>
public sealed class SandboxRandom(int? seed)
{
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();
    private readonly Lock _lock = new();

    public double NextDouble()
    {
        lock (_lock)
            return _random.NextDouble();
    }

    public int Next(int maxExclusive)
    {
        lock (_lock)
            return _random.Next(maxExclusive);
    }

    /// <summary>True with the given probability; 0 is never and 1 always, without drawing.</summary>
    public bool Chance(double probability) => probability >= 1 || (probability > 0 && NextDouble() < probability);

    public TimeSpan Delay(SandboxDelay delay)
    {
        if (delay.JitterMs == 0)
            return TimeSpan.FromMilliseconds(delay.MeanMs);
        var offset = (NextDouble() * 2 - 1) * delay.JitterMs;
        return TimeSpan.FromMilliseconds(Math.Max(0, delay.MeanMs + offset));
    }

    /// <summary>
    /// One draw against a mix of error codes and their shares (which add up to at most 1): the code drawn, or null for
    /// none. Codes are taken in numeric order so a seed gives the same answer whatever the configuration's order.
    /// </summary>
    public int? PickCode(IReadOnlyDictionary<string, double> rates)
    {
        if (rates.Count == 0 || rates.Values.All(r => r <= 0))
            return null;
        var roll = NextDouble();
        var cumulative = 0.0;
        foreach (var (code, rate) in rates
                     .Select(r => (Code: int.Parse(r.Key, CultureInfo.InvariantCulture), Rate: r.Value))
                     .Where(r => r.Rate > 0)
                     .OrderBy(r => r.Code))
        {
            cumulative += rate;
            if (roll < cumulative)
                return code;
        }
        return null;
    }
}
