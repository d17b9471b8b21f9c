using System.Globalization;

namespace WhatsAppDashboard.Features.Analytics;

/// <summary>Columns the per-campaign table can be sorted by.</summary>
public enum CampaignFigureSort
{
    Started,
    Name,
    Account,
    Status,
    Recipients,
    Sent,
    Delivered,
    Read,
    Replied,
    Clicked,
    Failed,
    DeliveryRate,
    ReadRate,
    ReplyRate,
    ClickRate,
}

/// <summary>
/// What the analytics page shows: campaigns that STARTED between <see cref="From"/> and <see cref="To"/> (both days
/// included, in <see cref="Zone"/>), optionally of one account, their table sorted as asked.
/// </summary>
public sealed record AnalyticsQuery(
    DateOnly From, DateOnly To, TimeZoneInfo Zone, int? AccountId = null,
    CampaignFigureSort Sort = CampaignFigureSort.Started, bool Descending = true)
{
    /// <summary>The longest range one query covers (about two years), so a typo cannot ask for a century.</summary>
    public const int MaxDays = 731;

    /// <summary>The presets offered next to the custom range.</summary>
    public static readonly IReadOnlyList<int> PresetDays = [7, 30, 90];

    /// <summary>The last <paramref name="days"/> days up to today in the zone.</summary>
    public static AnalyticsQuery LastDays(int days, DateTimeOffset now, TimeZoneInfo zone, int? accountId = null)
    {
        var today = Today(now, zone);
        return new AnalyticsQuery(today.AddDays(1 - days), today, zone, accountId);
    }

    public static DateOnly Today(DateTimeOffset now, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>The first instant of <see cref="From"/> in the zone.</summary>
    public DateTimeOffset StartUtc => StartOfDay(From, Zone);

    /// <summary>The first instant after <see cref="To"/> in the zone.</summary>
    public DateTimeOffset EndUtc => StartOfDay(To.AddDays(1), Zone);

    /// <summary>Midnight of a local day as an instant (the first valid local time when a clock change skips midnight).</summary>
    public static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        while (zone.IsInvalidTime(local))
            local = local.AddMinutes(15);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    public static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
