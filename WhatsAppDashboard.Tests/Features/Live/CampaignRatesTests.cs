using Microsoft.Extensions.Options;
using WhatsAppDashboard.Features.Live;

namespace WhatsAppDashboard.Tests.Features.Live;

/// <summary>The rate behind "Rate" and "Time left": recipients done per second over the recent window, on a hand-moved clock.</summary>
public sealed class CampaignRatesTests
{
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private readonly ManualClock _clock = new();
    private readonly CampaignRates _rates;

    public CampaignRatesTests() => _rates = new CampaignRates(_clock, Options.Create(new LiveOptions { RateWindowSeconds = 10 }));

    [Fact]
    public void The_rate_is_unknown_at_first_then_follows_the_recent_window_and_falls_to_zero_when_sending_stalls()
    {
        _rates.Observe(1, done: 0, running: true).Should().BeNull("one sample says nothing about speed");
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        _rates.Observe(1, done: 10, running: true).Should().BeNull("half a second is too short to call it a rate");
        _clock.Advance(TimeSpan.FromMilliseconds(1500));
        _rates.Observe(1, done: 40, running: true).Should().Be(20, "40 done in 2 s");

        // A faster phase: only the last 10 s count.
        for (var second = 1; second <= 10; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            _rates.Observe(1, done: 40 + 100 * second, running: true);
        }
        _clock.Advance(TimeSpan.FromSeconds(1));
        _rates.Observe(1, done: 1140, running: true).Should().Be(100, "the slow start has left the window");

        _clock.Advance(TimeSpan.FromSeconds(30));
        _rates.Observe(1, done: 1140, running: true).Should().Be(0, "nothing was done over the last 10 s");
    }

    [Fact]
    public void A_retry_or_a_pause_starts_the_measurement_afresh_and_campaigns_do_not_mix()
    {
        _rates.Observe(1, done: 0, running: true);
        _rates.Observe(2, done: 500, running: true);
        _clock.Advance(TimeSpan.FromSeconds(2));
        _rates.Observe(1, done: 10, running: true).Should().Be(5);
        _rates.Observe(2, done: 600, running: true).Should().Be(50);

        _clock.Advance(TimeSpan.FromSeconds(2));
        _rates.Observe(1, done: 4, running: true).Should().BeNull("retrying failed recipients lowered the count: old samples are void");
        _rates.Observe(2, done: 700, running: false).Should().BeNull("a paused campaign has no rate");
        _clock.Advance(TimeSpan.FromSeconds(1));
        _rates.Observe(2, done: 700, running: true).Should().BeNull("after resuming, the rate is measured anew");
    }
}
