using WhatsAppDashboard.Sandbox;

namespace WhatsAppDashboard.Tests.Sandbox;

public sealed class ThroughputLimiterTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_number_gets_its_cap_per_sliding_second_and_no_more()
    {
        var limiter = new ThroughputLimiter(_clock);

        limiter.TryAcquire("p1", 2).Should().BeTrue();
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        limiter.TryAcquire("p1", 2).Should().BeTrue();
        limiter.TryAcquire("p1", 2).Should().BeFalse("two were accepted within the last second");

        _clock.Advance(TimeSpan.FromMilliseconds(400));
        limiter.TryAcquire("p1", 2).Should().BeTrue("the first one left the window");
        limiter.TryAcquire("p1", 2).Should().BeFalse();
    }

    [Fact]
    public void Numbers_do_not_share_their_caps_and_zero_means_no_cap()
    {
        var limiter = new ThroughputLimiter(_clock);

        limiter.TryAcquire("p1", 1).Should().BeTrue();
        limiter.TryAcquire("p2", 1).Should().BeTrue();
        limiter.TryAcquire("p1", 1).Should().BeFalse();
        Enumerable.Range(0, 1000).Should().OnlyContain(_ => limiter.TryAcquire("p3", 0));
    }
}
