namespace WhatsAppDashboard.Features.Live;

public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>At most this many snapshots a second per campaign; changes in between are folded into the next one.</summary>
    public double MaxPushesPerSecond { get; set; } = 4;

    /// <summary>The rate (and with it the ETA) is measured over this many recent seconds.</summary>
    public int RateWindowSeconds { get; set; } = 15;

    /// <summary>First wait before the change listener reconnects to PostgreSQL; doubled after each failure.</summary>
    public double ReconnectDelaySeconds { get; set; } = 1;

    /// <summary>Longest wait between reconnection attempts.</summary>
    public double MaxReconnectDelaySeconds { get; set; } = 30;
}
