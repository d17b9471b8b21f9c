using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>The token bucket on a clock the test moves by hand.</summary>
public sealed class SendRateLimiterTests
{
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _now.UtcTicks;
        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>A pacing loop that asks for as many sends as allowed each millisecond it <paramref name="runs"/>;
    /// returns when each send was allowed.</summary>
    private static List<TimeSpan> TakeEveryMillisecond(SendRateLimiter bucket, ManualClock clock, int milliseconds, Func<int, bool> runs)
    {
        var sends = new List<TimeSpan>();
        for (var ms = 0; ms < milliseconds; ms++)
        {
            if (runs(ms))
                sends.AddRange(Enumerable.Repeat(TimeSpan.FromMilliseconds(ms), bucket.TryTake(int.MaxValue, out _)));
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        return sends;
    }

    /// <summary>The most sends in any 1.04 s: what one second at Meta may see with 40 ms of jitter.</summary>
    private static int BusiestWindow(List<TimeSpan> sends)
    {
        var window = TimeSpan.FromSeconds(1.04);
        return sends.Select((start, i) => sends.Skip(i).TakeWhile(t => t - start < window).Count()).Max();
    }

    [Theory]
    [InlineData(20)]
    [InlineData(80)]
    [InlineData(1000)]
    public void No_one_second_window_carries_more_than_the_throughput_even_with_40_ms_of_jitter(int throughput)
    {
        var clock = new ManualClock();
        var bucket = new SendRateLimiter(throughput, TimeSpan.FromSeconds(30), clock);
        // Idle first: a full bucket must not become a burst.
        clock.Advance(TimeSpan.FromSeconds(5));
        var sends = TakeEveryMillisecond(bucket, clock, 5000, runs: _ => true);

        BusiestWindow(sends).Should().BeLessThanOrEqualTo(throughput);
        sends.Count.Should().BeGreaterThanOrEqualTo((int)(throughput * 5 * 0.95), "it still sends at 95 % of the throughput or more");
    }

    [Theory]
    [InlineData(80)]
    [InlineData(1000)]
    public void A_pacing_loop_held_up_now_and_then_catches_up_without_breaking_the_window(int throughput)
    {
        var clock = new ManualClock();
        var bucket = new SendRateLimiter(throughput, TimeSpan.FromSeconds(30), clock);
        // A busy machine: every half second the loop does not run for 60 ms.
        var sends = TakeEveryMillisecond(bucket, clock, 10_000, runs: ms => ms % 500 < 440);

        BusiestWindow(sends).Should().BeLessThanOrEqualTo(throughput);
        sends.Count.Should().BeGreaterThanOrEqualTo((int)(throughput * 10 * 0.95), "the time lost is made up within the window");
    }

    [Fact]
    public void Throughput_answers_first_widen_the_window_then_halve_the_rate_once_a_second_and_it_recovers_step_by_step()
    {
        var clock = new ManualClock();
        var bucket = new SendRateLimiter(100, TimeSpan.FromSeconds(30), clock);
        bucket.Jitter.Should().Be(TimeSpan.FromMilliseconds(40));

        bucket.SlowDown().Should().BeTrue();
        bucket.Jitter.Should().Be(TimeSpan.FromMilliseconds(80), "the requests evidently reach Meta less evenly than assumed");
        bucket.CurrentRate.Should().Be(100);
        bucket.SlowDown().Should().BeFalse("answers to sends already in flight arrive together and count once");
        clock.Advance(TimeSpan.FromSeconds(1));
        bucket.SlowDown().Should().BeTrue();
        bucket.Jitter.Should().Be(TimeSpan.FromMilliseconds(160));
        bucket.EffectiveRate.Should().BeApproximately(100 / 1.16, 0.01);

        clock.Advance(TimeSpan.FromSeconds(1));
        bucket.SlowDown().Should().BeTrue();
        bucket.CurrentRate.Should().Be(50, "with the most jitter allowed for, the rate itself is halved");
        clock.Advance(TimeSpan.FromSeconds(1));
        bucket.SlowDown().Should().BeTrue();
        bucket.CurrentRate.Should().Be(25);
        bucket.LowestRate.Should().Be(25);
        bucket.SlowDowns.Should().Be(4);

        clock.Advance(TimeSpan.FromSeconds(29));
        bucket.CurrentRate.Should().Be(25, "the slow-down lasts Dispatch:SlowDownSeconds after the last 130429");
        clock.Advance(TimeSpan.FromSeconds(1));
        bucket.CurrentRate.Should().Be(50);
        clock.Advance(TimeSpan.FromSeconds(30));
        bucket.CurrentRate.Should().Be(100);
        bucket.Jitter.Should().Be(TimeSpan.FromMilliseconds(160), "the rate comes back first");
        clock.Advance(TimeSpan.FromSeconds(30));
        bucket.Jitter.Should().Be(TimeSpan.FromMilliseconds(80));
        clock.Advance(TimeSpan.FromSeconds(30));
        bucket.Jitter.Should().Be(TimeSpan.FromMilliseconds(40));
        clock.Advance(TimeSpan.FromSeconds(60));
        bucket.CurrentRate.Should().Be(100, "never above the account's throughput");
        bucket.Jitter.Should().Be(TimeSpan.FromMilliseconds(40), "never below the first allowance");
    }

    [Fact]
    public void The_rate_never_drops_below_one_a_second()
    {
        var clock = new ManualClock();
        var bucket = new SendRateLimiter(4, TimeSpan.FromSeconds(30), clock);
        for (var i = 0; i < 10; i++)
        {
            bucket.SlowDown();
            clock.Advance(TimeSpan.FromSeconds(1.5));
            bucket.SlowDown();
            clock.Advance(TimeSpan.FromSeconds(1.5));
        }
        bucket.CurrentRate.Should().Be(1);
    }

    [Fact]
    public void Concurrency_follows_throughput_times_p90_latency_within_its_bounds()
    {
        var limit = new InFlightLimit(4, 256);
        limit.LimitFor(80).Should().Be(31, "80/s × the assumed 0.25 s × 1.5, plus one, before anything is measured");
        for (var i = 0; i < 100; i++)
            limit.RecordLatency(TimeSpan.FromMilliseconds(i < 90 ? 100 : 2000));
        limit.P90LatencySeconds.Should().Be(0.1);
        limit.LimitFor(80).Should().Be(13);
        limit.LimitFor(1000).Should().Be(151);
        limit.LimitFor(10).Should().Be(4, "at least Dispatch:MinConcurrency");
        for (var i = 0; i < 256; i++)
            limit.RecordLatency(TimeSpan.FromSeconds(3));
        limit.LimitFor(1000).Should().Be(256, "at most Dispatch:MaxConcurrency");
    }
}
