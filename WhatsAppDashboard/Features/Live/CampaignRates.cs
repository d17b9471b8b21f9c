using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Features.Live;

/// <summary>
/// How fast each running campaign gets through its recipients, from the done-count (sent + failed) seen in the
/// snapshots this instance built over the last <see cref="LiveOptions.RateWindowSeconds"/>. Every instance builds
/// snapshots on every change of a watched campaign, so each has the same picture without sharing state.
/// </summary>
public sealed class CampaignRates(TimeProvider clock, IOptions<LiveOptions> options)
{
    /// <summary>A rate over less than this is noise (two batches a few milliseconds apart).</summary>
    private static readonly TimeSpan MinimumSpan = TimeSpan.FromSeconds(1);
    private const int MaxSamples = 256;

    private readonly ConcurrentDictionary<int, Samples> _byCampaign = new();
    private readonly TimeSpan _window = TimeSpan.FromSeconds(options.Value.RateWindowSeconds);

    /// <summary>Records the done-count seen now; returns recipients per second over the window, or null while unknown.</summary>
    public double? Observe(int campaignId, int done, bool running)
    {
        if (!running)
        {
            // Paused or over: the next run starts a fresh window.
            _byCampaign.TryRemove(campaignId, out _);
            return null;
        }
        var now = clock.GetTimestamp();
        if (Interlocked.Increment(ref _observations) % SweepEvery == 0)
            Sweep(now);
        var samples = _byCampaign.GetOrAdd(campaignId, _ => new Samples());
        lock (samples)
            return samples.Add(now, done, _window, clock);
    }

    private const int SweepEvery = 1000;
    private long _observations;

    /// <summary>Forgets campaigns nobody has looked at for a while (they ended, or nobody watches them any more).</summary>
    private void Sweep(long now)
    {
        foreach (var (campaignId, samples) in _byCampaign)
        {
            lock (samples)
            {
                if (clock.GetElapsedTime(samples.LastAt, now) > 4 * _window)
                    _byCampaign.TryRemove(campaignId, out _);
            }
        }
    }

    private sealed class Samples
    {
        private readonly LinkedList<(long At, int Done)> _list = new();

        public long LastAt => _list.Last?.Value.At ?? 0;

        public double? Add(long now, int done, TimeSpan window, TimeProvider clock)
        {
            // A retry puts failed recipients back: the count went down, so the old samples say nothing any more.
            if (_list.Last is { } last && done < last.Value.Done)
                _list.Clear();
            _list.AddLast((now, done));
            // Keep the newest sample at or before the window's start: the count stood there until the next one.
            while (_list.Count > 2 && clock.GetElapsedTime(_list.First!.Next!.Value.At, now) >= window)
                _list.RemoveFirst();
            while (_list.Count > MaxSamples)
                _list.RemoveFirst();

            var oldest = _list.First!.Value;
            var span = clock.GetElapsedTime(oldest.At, now);
            if (span < MinimumSpan)
                return null;
            var measured = span > window ? window : span;
            return Math.Max(0, (done - oldest.Done) / measured.TotalSeconds);
        }
    }
}
