using System.Globalization;
using WhatsAppDashboard.Common;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>How a wall-clock time was turned into an instant.</summary>
public enum LocalTimeAdjustment
{
    /// <summary>The time exists exactly once in the zone.</summary>
    None,
    /// <summary>The clocks went back, so the time happened twice: the first (earlier) instant is used.</summary>
    FirstOfTwo,
    /// <summary>The clocks went forward over this time: it is moved forward by the skipped span (02:30 becomes 03:30).</summary>
    MovedPastGap,
}

/// <summary>One firing of a schedule: the wall-clock time in the schedule's zone and the instant it stands for.</summary>
public sealed record ScheduledOccurrence(DateTime Local, DateTimeOffset Utc, LocalTimeAdjustment Adjustment);

/// <summary>A daylight-saving change near a wall-clock time: the instant it happens and the offsets either side.</summary>
public sealed record ClockChange(DateTimeOffset At, TimeSpan OffsetBefore, TimeSpan OffsetAfter)
{
    /// <summary>The wall-clock time the clocks showed just before the change (the start of a gap or of a repeat).</summary>
    public DateTime LocalBefore => At.UtcDateTime + OffsetBefore;

    /// <summary>The wall-clock time the clocks show just after the change.</summary>
    public DateTime LocalAfter => At.UtcDateTime + OffsetAfter;
}

/// <summary>
/// A campaign's schedule as calendar rules in an IANA time zone, and the maths that turns it into instants.
/// Pure: no clock, no database; "now" is always passed in.
/// <para>
/// Recurrences are counted from the start date (the anchor), never by adding days to the previous occurrence,
/// so months are calendar months and never "30 days":
/// </para>
/// <list type="bullet">
/// <item><b>DAILY</b>, <b>WEEKLY</b>: every 1 or 7 calendar days from the start date.</item>
/// <item><b>MONTHLY</b>: the start date's day of each month; in shorter months, the month's last day
/// (31 Jan → 28 Feb → 31 Mar).</item>
/// <item><b>SEMI_MONTHLY</b>: twice a month, on the monthly date and 15 days after it (start 1 Mar: 1st and 16th;
/// start 20 Jan: 20 Jan, 4 Feb, 20 Feb, 7 Mar…; start 31 Jan: 31 Jan, 15 Feb, 28 Feb, 15 Mar, 31 Mar…).
/// The second date may fall early in the next month, but always before that month's first date.</item>
/// <item><b>SEMI_ANNUALLY</b>, <b>ANNUALLY</b>: every 6 or 12 months on the start date's day, clamped like MONTHLY
/// (29 Feb becomes 28 Feb in other years).</item>
/// </list>
/// <para>
/// Wall-clock times are in the schedule's zone. A time the clocks skip (spring forward) is refused for a one-off
/// schedule; for a recurrence, that day's occurrence moves forward by the skipped span. A time that happens twice
/// (fall back) is sent at its first occurrence. Start and end dates are inclusive.
/// </para>
/// </summary>
public sealed class CampaignSchedule
{
    /// <summary>Days between the two dates of a semi-monthly recurrence.</summary>
    public const int SemiMonthlySecondDateOffsetDays = 15;

    private CampaignSchedule(ScheduleKind kind, TimeZoneInfo zone)
    {
        Kind = kind;
        Zone = zone;
    }

    public ScheduleKind Kind { get; }
    public TimeZoneInfo Zone { get; }
    /// <summary>For <see cref="ScheduleKind.Once"/>: the wall-clock time.</summary>
    public DateTime? OnceLocal { get; private init; }
    public RecurrenceFrequency? Frequency { get; private init; }
    public TimeOnly? Time { get; private init; }
    public DateOnly? Start { get; private init; }
    public DateOnly? End { get; private init; }

    public static CampaignSchedule Now(TimeZoneInfo zone) => new(ScheduleKind.Now, zone);

    public static CampaignSchedule Once(TimeZoneInfo zone, DateTime local) =>
        new(ScheduleKind.Once, zone) { OnceLocal = DateTime.SpecifyKind(local, DateTimeKind.Unspecified) };

    public static CampaignSchedule Recurring(TimeZoneInfo zone, RecurrenceFrequency frequency, TimeOnly time, DateOnly start, DateOnly end) =>
        new(ScheduleKind.Recurring, zone) { Frequency = frequency, Time = time, Start = start, End = end };

    /// <summary>The schedule stored on a campaign, or null when it is incomplete or its zone is unknown here.</summary>
    public static CampaignSchedule? Of(Campaign campaign)
    {
        if (!TimeZones.TryFind(campaign.TimeZoneId, out var zone))
            return null;
        return campaign.ScheduleKind switch
        {
            ScheduleKind.Now => Now(zone),
            ScheduleKind.Once when campaign.ScheduledLocalTime is { } local => Once(zone, local),
            ScheduleKind.Recurring when campaign is { Recurrence: { } f, RecurrenceTime: { } t, RecurrenceStart: { } s, RecurrenceEnd: { } e }
                => Recurring(zone, f, t, s, e),
            _ => null,
        };
    }

    /// <summary>Writes this schedule to the campaign, clearing what another kind of schedule left behind.</summary>
    public void ApplyTo(Campaign campaign, DateTimeOffset now)
    {
        campaign.ScheduleKind = Kind;
        campaign.TimeZoneId = Zone.Id;
        campaign.ScheduledLocalTime = OnceLocal;
        campaign.Recurrence = Frequency;
        campaign.RecurrenceTime = Time;
        campaign.RecurrenceStart = Start;
        campaign.RecurrenceEnd = End;
        campaign.ScheduledAt = NextOccurrenceUtc(now);
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when none is left.</summary>
    public DateTimeOffset? NextOccurrenceUtc(DateTimeOffset after) => Occurrences(after).Select(o => (DateTimeOffset?)o.Utc).FirstOrDefault();

    /// <summary>Every occurrence strictly after <paramref name="after"/>, in order (lazily: take what you need).</summary>
    public IEnumerable<ScheduledOccurrence> Occurrences(DateTimeOffset after)
    {
        switch (Kind)
        {
            case ScheduleKind.Once:
                var once = Resolve(OnceLocal!.Value, Zone);
                if (once.Utc is { } utc && utc > after)
                    yield return new ScheduledOccurrence(OnceLocal.Value, utc, once.Adjustment);
                break;
            case ScheduleKind.Recurring:
                foreach (var date in OccurrenceDates())
                {
                    var local = date.ToDateTime(Time!.Value);
                    var resolved = ResolveForRecurrence(local, Zone);
                    if (resolved.Utc > after)
                        yield return new ScheduledOccurrence(local, resolved.Utc, resolved.Adjustment);
                }
                break;
        }
    }

    /// <summary>The local dates of a recurrence from its start to its end date, both inclusive.</summary>
    public IEnumerable<DateOnly> OccurrenceDates()
    {
        if (Kind != ScheduleKind.Recurring)
            yield break;
        var start = Start!.Value;
        var end = End!.Value;
        for (var n = 0; ; n++)
        {
            var date = DateOf(Frequency!.Value, start, n);
            if (date > end)
                yield break;
            yield return date;
        }
    }

    /// <summary>The <paramref name="n"/>th date (0 is the start) of a recurrence anchored at <paramref name="start"/>.</summary>
    public static DateOnly DateOf(RecurrenceFrequency frequency, DateOnly start, int n) => frequency switch
    {
        RecurrenceFrequency.Daily => start.AddDays(n),
        RecurrenceFrequency.Weekly => start.AddDays(7 * n),
        // AddMonths from the anchor clamps to the month's last day: 31 Jan + 1 month is 28 (or 29) Feb.
        RecurrenceFrequency.Monthly => start.AddMonths(n),
        RecurrenceFrequency.SemiMonthly => n % 2 == 0
            ? start.AddMonths(n / 2)
            : start.AddMonths(n / 2).AddDays(SemiMonthlySecondDateOffsetDays),
        RecurrenceFrequency.SemiAnnually => start.AddMonths(6 * n),
        RecurrenceFrequency.Annually => start.AddMonths(12 * n),
        _ => throw new ArgumentOutOfRangeException(nameof(frequency), frequency, null),
    };

    /// <summary>
    /// A one-off wall-clock time as an instant: null when the clocks skip it; the first instant when it happens
    /// twice.
    /// </summary>
    public static (DateTimeOffset? Utc, LocalTimeAdjustment Adjustment) Resolve(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
            return (null, LocalTimeAdjustment.MovedPastGap);
        if (zone.IsAmbiguousTime(local))
        {
            // The larger offset is the one in force before the clocks went back: the earlier instant.
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return (new DateTimeOffset(local, offset).ToUniversalTime(), LocalTimeAdjustment.FirstOfTwo);
        }
        return (new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime(), LocalTimeAdjustment.None);
    }

    /// <summary>Like <see cref="Resolve"/>, but a skipped time moves forward by the skipped span.</summary>
    public static (DateTimeOffset Utc, LocalTimeAdjustment Adjustment) ResolveForRecurrence(DateTime local, TimeZoneInfo zone)
    {
        var (utc, adjustment) = Resolve(local, zone);
        if (utc is { } resolved)
            return (resolved, adjustment);
        // Read with the offset in force before the change, the skipped 02:30 is the instant the clocks show 03:30.
        var change = ClockChangeNear(local, zone);
        return (new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), change.OffsetBefore).ToUniversalTime(), adjustment);
    }

    /// <summary>The clock change closest to <paramref name="local"/> (within a day and a half), for explaining gaps and repeats.</summary>
    public static ClockChange ClockChangeNear(DateTime local, TimeZoneInfo zone)
    {
        var approximate = DateTime.SpecifyKind(local, DateTimeKind.Utc) - zone.BaseUtcOffset;
        var low = approximate.AddHours(-36);
        var high = approximate.AddHours(36);
        var before = zone.GetUtcOffset(low);
        var after = zone.GetUtcOffset(high);
        if (before == after)
            return new ClockChange(new DateTimeOffset(approximate), before, after);
        while (high - low > TimeSpan.FromSeconds(1))
        {
            var middle = low + (high - low) / 2;
            if (zone.GetUtcOffset(middle) == before)
                low = middle;
            else
                high = middle;
        }
        var at = new DateTime(high.Ticks - high.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        return new ClockChange(new DateTimeOffset(at), before, after);
    }

    /// <summary>The schedule in words, for the review and campaign pages.</summary>
    public string Describe()
    {
        switch (Kind)
        {
            case ScheduleKind.Now:
                return "Sent when someone presses Run now.";
            case ScheduleKind.Once:
                return $"Once, on {LongDate(DateOnly.FromDateTime(OnceLocal!.Value))} at {Clock(TimeOnly.FromDateTime(OnceLocal.Value))} ({Zone.Id}).";
            default:
                var start = Start!.Value;
                var time = Clock(Time!.Value);
                var rule = Frequency!.Value switch
                {
                    RecurrenceFrequency.Daily => "Every day",
                    RecurrenceFrequency.Weekly => $"Every week on {start.DayOfWeek}",
                    RecurrenceFrequency.SemiMonthly =>
                        $"Twice a month, on the {DayOfMonthRule(start.Day)} and {SemiMonthlySecondDateOffsetDays} days after it",
                    RecurrenceFrequency.Monthly => $"Every month on the {DayOfMonthRule(start.Day)}",
                    RecurrenceFrequency.SemiAnnually => $"Every 6 months on the {DayOfMonthRule(start.Day)}, from {MonthName(start.Month)}",
                    _ => start is { Month: 2, Day: 29 }
                        ? "Every year on 29 February (28 February in other years)"
                        : $"Every year on {start.Day} {MonthName(start.Month)}",
                };
                return $"{rule} at {time} ({Zone.Id}), from {LongDate(start)} to {LongDate(End!.Value)}.";
        }
    }

    public static string LongDate(DateOnly date) => date.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture);

    public static string Clock(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    public static string Ordinal(int day) => day + (day % 100 is 11 or 12 or 13 ? "th" : (day % 10) switch
    {
        1 => "st",
        2 => "nd",
        3 => "rd",
        _ => "th",
    });

    private static string DayOfMonthRule(int day) => day > 28 ? $"{Ordinal(day)} (the last day in shorter months)" : Ordinal(day);

    private static string MonthName(int month) => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month);
}
