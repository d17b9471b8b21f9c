using System.Globalization;
using WhatsAppDashboard.Common;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>
/// The schedule step's form, as text: dates and times are parsed here so a bad value gets a sentence of ours rather
/// than a binding error.
/// </summary>
public sealed class ScheduleInput
{
    /// <summary><c>Now</c>, <c>Once</c> or <c>Recurring</c>.</summary>
    public string Kind { get; set; } = nameof(ScheduleKind.Now);
    public string TimeZoneId { get; set; } = "";
    /// <summary>yyyy-MM-dd, as an <c>&lt;input type="date"&gt;</c> posts it.</summary>
    public string OnceDate { get; set; } = "";
    /// <summary>HH:mm, as an <c>&lt;input type="time"&gt;</c> posts it.</summary>
    public string OnceTime { get; set; } = "";
    public string Frequency { get; set; } = nameof(RecurrenceFrequency.Monthly);
    public string RecurrenceTime { get; set; } = "";
    public string StartDate { get; set; } = "";
    public string EndDate { get; set; } = "";

    /// <summary>The form as the campaign's stored schedule fills it; the zone defaults to the person's own.</summary>
    public static ScheduleInput From(Campaign campaign, string personalZoneId) => new()
    {
        Kind = campaign.ScheduleKind.ToString(),
        TimeZoneId = campaign.ScheduledLocalTime is not null || campaign.RecurrenceStart is not null || campaign.WizardStep >= (int)WizardStep.Schedule
            ? campaign.TimeZoneId
            : personalZoneId,
        OnceDate = campaign.ScheduledLocalTime?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        OnceTime = campaign.ScheduledLocalTime?.ToString("HH:mm", CultureInfo.InvariantCulture) ?? "",
        Frequency = (campaign.Recurrence ?? RecurrenceFrequency.Monthly).ToString(),
        RecurrenceTime = campaign.RecurrenceTime?.ToString("HH:mm", CultureInfo.InvariantCulture) ?? "",
        StartDate = campaign.RecurrenceStart?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        EndDate = campaign.RecurrenceEnd?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>A checked schedule, or the reasons it was refused (by form field); notes explain daylight-saving choices.</summary>
public sealed record ScheduleValidation(CampaignSchedule? Schedule, IReadOnlyDictionary<string, string[]> Errors, IReadOnlyList<string> Notes)
{
    public bool Succeeded => Schedule is not null;
}

/// <summary>Turns the schedule form into a <see cref="CampaignSchedule"/>, refusing what cannot be sent.</summary>
public static class ScheduleRules
{
    /// <summary>A recurrence may not run for longer than this, so its occurrences stay few enough to list and check.</summary>
    public const int MaxRecurrenceYears = 10;

    public static readonly IReadOnlyList<(RecurrenceFrequency Frequency, string Title)> Frequencies =
    [
        (RecurrenceFrequency.Daily, "Daily"),
        (RecurrenceFrequency.Weekly, "Weekly"),
        (RecurrenceFrequency.SemiMonthly, "Twice a month (the day and 15 days later)"),
        (RecurrenceFrequency.Monthly, "Monthly"),
        (RecurrenceFrequency.SemiAnnually, "Every 6 months"),
        (RecurrenceFrequency.Annually, "Yearly"),
    ];

    public static ScheduleValidation Validate(ScheduleInput input, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        var notes = new List<string>();

        if (!Enum.TryParse<ScheduleKind>(input.Kind?.Trim(), ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            errors[nameof(ScheduleInput.Kind)] = ["Choose when to send: now, once at a time, or on a recurrence."];
            return new(null, errors, notes);
        }
        if (!TimeZones.TryFind(input.TimeZoneId, out var zone))
        {
            errors[nameof(ScheduleInput.TimeZoneId)] = [string.IsNullOrWhiteSpace(input.TimeZoneId)
                ? "Choose a time zone."
                : $"“{input.TimeZoneId.Trim()}” is not a known IANA time zone (for example Europe/London or America/New_York)."];
            return new(null, errors, notes);
        }

        return kind switch
        {
            ScheduleKind.Now => new(CampaignSchedule.Now(zone), errors, notes),
            ScheduleKind.Once => ValidateOnce(input, zone, now, errors, notes),
            _ => ValidateRecurring(input, zone, now, errors, notes),
        };
    }

    private static ScheduleValidation ValidateOnce(
        ScheduleInput input, TimeZoneInfo zone, DateTimeOffset now, Dictionary<string, string[]> errors, List<string> notes)
    {
        var date = ParseDate(input.OnceDate, nameof(ScheduleInput.OnceDate), "Choose the date to send on.", errors);
        var time = ParseTime(input.OnceTime, nameof(ScheduleInput.OnceTime), "Choose the time to send at.", errors);
        if (date is null || time is null)
            return new(null, errors, notes);

        var local = date.Value.ToDateTime(time.Value);
        var (utc, adjustment) = CampaignSchedule.Resolve(local, zone);
        if (utc is null)
        {
            var change = CampaignSchedule.ClockChangeNear(local, zone);
            errors[nameof(ScheduleInput.OnceTime)] =
            [
                $"{CampaignSchedule.Clock(time.Value)} on {CampaignSchedule.LongDate(date.Value)} does not exist in {zone.Id}: " +
                $"the clocks go forward from {Clock(change.LocalBefore)} to {Clock(change.LocalAfter)}. Choose another time.",
            ];
            return new(null, errors, notes);
        }
        if (utc <= now)
        {
            errors[nameof(ScheduleInput.OnceDate)] =
            [
                $"That time has passed: it is now {TimeZones.Format(now, zone, "HH:mm")} on " +
                $"{CampaignSchedule.LongDate(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime))} in {zone.Id}. Choose a later time.",
            ];
            return new(null, errors, notes);
        }
        if (adjustment == LocalTimeAdjustment.FirstOfTwo)
        {
            var change = CampaignSchedule.ClockChangeNear(local, zone);
            notes.Add($"{CampaignSchedule.Clock(time.Value)} on {CampaignSchedule.LongDate(date.Value)} happens twice in {zone.Id} " +
                      $"(the clocks go back from {Clock(change.LocalBefore)} to {Clock(change.LocalAfter)}): the campaign is sent at the first, " +
                      $"{utc.Value.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC.");
        }
        return new(CampaignSchedule.Once(zone, local), errors, notes);
    }

    private static ScheduleValidation ValidateRecurring(
        ScheduleInput input, TimeZoneInfo zone, DateTimeOffset now, Dictionary<string, string[]> errors, List<string> notes)
    {
        var frequency = ParseFrequency(input.Frequency);
        if (frequency is null)
            errors[nameof(ScheduleInput.Frequency)] = ["Choose how often to send."];
        var time = ParseTime(input.RecurrenceTime, nameof(ScheduleInput.RecurrenceTime), "Choose the time of day to send at.", errors);
        var start = ParseDate(input.StartDate, nameof(ScheduleInput.StartDate), "Choose the first date.", errors);
        var end = ParseDate(input.EndDate, nameof(ScheduleInput.EndDate), "Choose the last date.", errors);
        if (frequency is null || time is null || start is null || end is null)
            return new(null, errors, notes);

        if (end < start)
        {
            errors[nameof(ScheduleInput.EndDate)] = [$"The end date ({CampaignSchedule.LongDate(end.Value)}) is before the start date ({CampaignSchedule.LongDate(start.Value)})."];
            return new(null, errors, notes);
        }
        if (end > start.Value.AddYears(MaxRecurrenceYears))
        {
            errors[nameof(ScheduleInput.EndDate)] = [$"A recurrence can run for at most {MaxRecurrenceYears} years: choose an end date before {CampaignSchedule.LongDate(start.Value.AddYears(MaxRecurrenceYears).AddDays(1))}."];
            return new(null, errors, notes);
        }

        var schedule = CampaignSchedule.Recurring(zone, frequency.Value, time.Value, start.Value, end.Value);
        var upcoming = schedule.Occurrences(now).ToList();
        if (upcoming.Count == 0)
        {
            errors[nameof(ScheduleInput.EndDate)] =
            [
                schedule.OccurrenceDates().Any()
                    ? $"Every occurrence between {CampaignSchedule.LongDate(start.Value)} and {CampaignSchedule.LongDate(end.Value)} has passed. Choose later dates."
                    : "No occurrence falls between these dates. Choose a later end date.",
            ];
            return new(null, errors, notes);
        }

        var adjusted = upcoming.Where(o => o.Adjustment != LocalTimeAdjustment.None).ToList();
        foreach (var occurrence in adjusted.Take(3))
        {
            var day = CampaignSchedule.LongDate(DateOnly.FromDateTime(occurrence.Local));
            notes.Add(occurrence.Adjustment == LocalTimeAdjustment.MovedPastGap
                ? $"{CampaignSchedule.Clock(time.Value)} does not exist in {zone.Id} on {day} (the clocks go forward): that day's message goes at " +
                  $"{TimeZones.Format(occurrence.Utc, zone, "HH:mm")}."
                : $"{CampaignSchedule.Clock(time.Value)} happens twice in {zone.Id} on {day} (the clocks go back): that day's message goes at the first.");
        }
        if (adjusted.Count > 3)
            notes.Add($"{adjusted.Count - 3} more occurrence{(adjusted.Count == 4 ? "" : "s")} fall on a daylight-saving change and are handled the same way.");
        return new(schedule, errors, notes);
    }

    public static RecurrenceFrequency? ParseFrequency(string? value)
    {
        var normalised = (value ?? "").Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim();
        return Enum.TryParse<RecurrenceFrequency>(normalised, ignoreCase: true, out var frequency) && Enum.IsDefined(frequency) && !int.TryParse(normalised, out _)
            ? frequency
            : null;
    }

    private static DateOnly? ParseDate(string? value, string field, string missing, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [missing];
            return null;
        }
        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        errors[field] = [$"“{value.Trim()}” is not a date; use the form YYYY-MM-DD."];
        return null;
    }

    private static TimeOnly? ParseTime(string? value, string field, string missing, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [missing];
            return null;
        }
        if (TimeOnly.TryParseExact(value.Trim(), ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return new TimeOnly(time.Hour, time.Minute);
        errors[field] = [$"“{value.Trim()}” is not a time; use the 24-hour form HH:mm, for example 09:30."];
        return null;
    }

    private static string Clock(DateTime local) => local.ToString("HH:mm", CultureInfo.InvariantCulture);
}
