namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// Paces one account's sends at its throughput (messages per second). Meta counts the sends of any one second, and our
/// requests reach it with some jitter, so the rule kept here is stricter by that jitter: no window of one second plus
/// the jitter carries more sends than the throughput (so no second at Meta does either). The jitter starts at 40 ms,
/// which allows about 96 % of the throughput over time. Within that rule a token bucket at the full rate, holding
/// 50 ms of sends, spreads them evenly and lets a pacing loop that was held up briefly (a busy machine) catch up
/// instead of losing the time.
/// When Meta answers 130429 (throughput reached), at most once a second since the answers to sends already in flight
/// arrive together: first the jitter allowed for is doubled (up to 160 ms, the requests evidently arrive less evenly
/// than assumed), then the rate is halved. After <c>Dispatch:SlowDownSeconds</c> without another one, each step is
/// undone in turn.
/// </summary>
public sealed class SendRateLimiter
{
    /// <summary>How much longer than usual our sends may take to reach Meta, at first and at most.</summary>
    private static readonly TimeSpan InitialJitter = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan MaxJitter = TimeSpan.FromMilliseconds(160);
    private const double BurstSeconds = 0.05;
    private const double MinimumRate = 1;
    private static readonly TimeSpan SlowDownDebounce = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _clock;
    private readonly TimeSpan _slowDownFor;
    private readonly Lock _lock = new();
    private double _throughput;
    private double _factor = 1;
    private double _tokens;
    private long _lastRefill;
    private DateTimeOffset _recoverAt;
    private DateTimeOffset _lastSlowDown = DateTimeOffset.MinValue;
    private TimeSpan _jitter = InitialJitter;
    /// <summary>When the sends of the last <see cref="Window"/> were allowed (timestamps, oldest first).</summary>
    private readonly Queue<long> _recent = new();

    public SendRateLimiter(double throughputPerSecond, TimeSpan slowDownFor, TimeProvider clock)
    {
        _clock = clock;
        _slowDownFor = slowDownFor;
        _throughput = Math.Max(MinimumRate, throughputPerSecond);
        _lastRefill = clock.GetTimestamp();
        LowestRate = CurrentRate;
    }

    /// <summary>The account's configured throughput.</summary>
    public double Throughput
    {
        get { lock (_lock) return _throughput; }
    }

    /// <summary>Sends per second allowed now (below <see cref="Throughput"/> while slowed down).</summary>
    public double CurrentRate
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return Rate;
            }
        }
    }

    public long SlowDowns { get; private set; }

    /// <summary>The slowest this bucket has gone.</summary>
    public double LowestRate { get; private set; }

    private double Rate => Math.Max(MinimumRate, _throughput * _factor);

    private TimeSpan Window => TimeSpan.FromSeconds(1) + _jitter;

    /// <summary>The jitter the window allows for now.</summary>
    public TimeSpan Jitter
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _jitter;
            }
        }
    }

    /// <summary>Sends per second over time: the rate spread over a window of one second plus the jitter.</summary>
    public double EffectiveRate
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return Math.Floor(Rate) / Window.TotalSeconds;
            }
        }
    }

    private double Capacity => Math.Max(1, Rate * BurstSeconds);

    public void SetThroughput(double throughputPerSecond)
    {
        lock (_lock)
        {
            Refill();
            _throughput = Math.Max(MinimumRate, throughputPerSecond);
            _tokens = Math.Min(_tokens, Capacity);
        }
    }

    /// <summary>Waits until at least one send is allowed, and takes up to <paramref name="max"/> of them.</summary>
    public async ValueTask<int> AcquireAsync(int max, CancellationToken ct)
    {
        while (true)
        {
            var granted = TryTake(max, out var wait);
            if (granted > 0)
                return granted;
            await Task.Delay(wait, _clock, ct);
        }
    }

    /// <summary>Takes up to <paramref name="max"/> sends allowed now; 0 with the time until the next one otherwise.</summary>
    public int TryTake(int max, out TimeSpan wait)
    {
        lock (_lock)
        {
            Refill();
            var now = _clock.GetTimestamp();
            while (_recent.Count > 0 && _clock.GetElapsedTime(_recent.Peek(), now) >= Window)
                _recent.Dequeue();
            var windowLeft = (int)Math.Floor(Rate) - _recent.Count;
            if (_tokens >= 1 && windowLeft >= 1)
            {
                var granted = (int)Math.Min(Math.Min(Math.Max(1, max), Math.Floor(_tokens)), windowLeft);
                _tokens -= granted;
                for (var i = 0; i < granted; i++)
                    _recent.Enqueue(now);
                wait = TimeSpan.Zero;
                return granted;
            }
            var untilToken = TimeSpan.FromSeconds(Math.Max(0, 1 - _tokens) / Rate);
            var untilWindow = windowLeft >= 1 ? TimeSpan.Zero : Window - _clock.GetElapsedTime(_recent.Peek(), now);
            wait = untilToken > untilWindow ? untilToken : untilWindow;
            if (wait < TimeSpan.FromMilliseconds(1))
                wait = TimeSpan.FromMilliseconds(1);
            return 0;
        }
    }

    /// <summary>Meta said the throughput was reached: allow for more jitter, or once that is at its most, halve the
    /// rate, for a while. True when it did either.</summary>
    public bool SlowDown()
    {
        lock (_lock)
        {
            var now = _clock.GetUtcNow();
            if (now - _lastSlowDown < SlowDownDebounce)
                return false;
            Refill();
            if (_jitter < MaxJitter)
                _jitter = _jitter * 2 < MaxJitter ? _jitter * 2 : MaxJitter;
            else
                _factor = Math.Max(_factor / 2, MinimumRate / _throughput);
            _tokens = 0;
            _lastSlowDown = now;
            _recoverAt = now + _slowDownFor;
            SlowDowns++;
            LowestRate = Math.Min(LowestRate, Rate);
            return true;
        }
    }

    private void Refill()
    {
        var now = _clock.GetTimestamp();
        var elapsed = _clock.GetElapsedTime(_lastRefill, now).TotalSeconds;
        _lastRefill = now;
        _tokens = Math.Min(Capacity, _tokens + elapsed * Rate);
        // Recover step by step, one step every slow-down period without a new 130429: the rate first, then the jitter.
        var utcNow = _clock.GetUtcNow();
        if ((_factor < 1 || _jitter > InitialJitter) && utcNow >= _recoverAt)
        {
            if (_factor < 1)
                _factor = Math.Min(1, _factor * 2);
            else
                _jitter = _jitter / 2 > InitialJitter ? _jitter / 2 : InitialJitter;
            _recoverAt = utcNow + _slowDownFor;
        }
    }
}
