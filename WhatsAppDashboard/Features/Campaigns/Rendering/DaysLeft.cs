namespace WhatsAppDashboard.Features.Campaigns.Rendering;

/// <summary>The <c>{days_left}</c> mapping source: whole days from a run's date to the recurrence's end date.</summary>
public static class DaysLeft
{
    /// <summary>
    /// Days from <paramref name="runDate"/> (a date in the campaign's time zone) to its end date: 0 on the last day,
    /// never negative. Null when the campaign is not recurring or has no end date.
    /// </summary>
    public static int? On(Campaign campaign, DateOnly runDate) =>
        campaign is { ScheduleKind: ScheduleKind.Recurring, RecurrenceEnd: { } end }
            ? Math.Max(0, end.DayNumber - runDate.DayNumber)
            : null;

    /// <summary>Today's date in the campaign's time zone (UTC when the zone is unknown).</summary>
    public static DateOnly Today(Campaign campaign, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(campaign.TimeZoneId, out var found) ? found : TimeZoneInfo.Utc;
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
    }
}
