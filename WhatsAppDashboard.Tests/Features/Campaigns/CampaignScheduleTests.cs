using WhatsAppDashboard.Common;
using WhatsAppDashboard.Features.Campaigns;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>The schedule maths: local times to instants across daylight-saving changes, and calendar recurrences.</summary>
public sealed class CampaignScheduleTests
{
    private static readonly TimeZoneInfo London = TimeZones.FindOrUtc("Europe/London");
    private static readonly TimeZoneInfo NewYork = TimeZones.FindOrUtc("America/New_York");
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void A_local_time_becomes_the_instant_of_its_zone_in_summer_and_in_winter()
    {
        CampaignSchedule.Resolve(new DateTime(2027, 7, 1, 9, 0, 0), London).Should().Be((Utc(2027, 7, 1, 8, 0), LocalTimeAdjustment.None));
        CampaignSchedule.Resolve(new DateTime(2027, 1, 15, 9, 0, 0), London).Should().Be((Utc(2027, 1, 15, 9, 0), LocalTimeAdjustment.None));
        CampaignSchedule.Resolve(new DateTime(2027, 7, 1, 9, 0, 0), NewYork).Should().Be((Utc(2027, 7, 1, 13, 0), LocalTimeAdjustment.None));
    }

    [Theory]
    [InlineData("Europe/London", 2027, 3, 28, "01:30", "01:00", "02:00")]
    [InlineData("America/New_York", 2027, 3, 14, "02:30", "02:00", "03:00")]
    public void A_time_the_clocks_skip_is_refused_with_the_change_explained(string zone, int year, int month, int day, string time, string from, string to)
    {
        var input = new ScheduleInput { Kind = "Once", TimeZoneId = zone, OnceDate = $"{year:D4}-{month:D2}-{day:D2}", OnceTime = time };

        var result = ScheduleRules.Validate(input, Now);

        result.Succeeded.Should().BeFalse();
        result.Errors[nameof(ScheduleInput.OnceTime)].Single().Should()
            .Be($"{time} on {CampaignSchedule.LongDate(new DateOnly(year, month, day))} does not exist in {zone}: the clocks go forward from {from} to {to}. Choose another time.");
    }

    [Fact]
    public void A_time_that_happens_twice_is_sent_at_the_first_and_the_page_says_so()
    {
        var input = new ScheduleInput { Kind = "Once", TimeZoneId = "America/New_York", OnceDate = "2027-11-07", OnceTime = "01:30" };

        var result = ScheduleRules.Validate(input, Now);

        result.Succeeded.Should().BeTrue();
        // 01:30 EDT (UTC-4) comes an hour before 01:30 EST (UTC-5).
        result.Schedule!.NextOccurrenceUtc(Now).Should().Be(Utc(2027, 11, 7, 5, 30));
        result.Notes.Should().ContainSingle().Which.Should()
            .Be("01:30 on Sun 7 Nov 2027 happens twice in America/New_York (the clocks go back from 02:00 to 01:00): the campaign is sent at the first, 05:30 UTC.");

        CampaignSchedule.Resolve(new DateTime(2027, 10, 31, 1, 30, 0), London).Should().Be((Utc(2027, 10, 31, 0, 30), LocalTimeAdjustment.FirstOfTwo));
    }

    [Fact]
    public void A_time_in_the_past_is_refused_with_the_time_it_is_now_there()
    {
        var input = new ScheduleInput { Kind = "Once", TimeZoneId = "America/New_York", OnceDate = "2026-11-21", OnceTime = "06:59" };

        var result = ScheduleRules.Validate(input, Now);

        result.Errors[nameof(ScheduleInput.OnceDate)].Single().Should()
            .Be("That time has passed: it is now 07:00 on Sat 21 Nov 2026 in America/New_York. Choose a later time.");
        ScheduleRules.Validate(new ScheduleInput { Kind = "Once", TimeZoneId = "America/New_York", OnceDate = "2026-11-21", OnceTime = "07:01" }, Now)
            .Schedule!.NextOccurrenceUtc(Now).Should().Be(Utc(2026, 11, 21, 12, 1));
    }

    [Fact]
    public void Monthly_on_the_31st_falls_on_the_last_day_of_shorter_months_never_30_days_later()
    {
        var schedule = CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.Monthly, new TimeOnly(9, 0), new DateOnly(2027, 1, 31), new DateOnly(2028, 3, 31));

        schedule.OccurrenceDates().Should().Equal(
            new DateOnly(2027, 1, 31), new DateOnly(2027, 2, 28), new DateOnly(2027, 3, 31), new DateOnly(2027, 4, 30),
            new DateOnly(2027, 5, 31), new DateOnly(2027, 6, 30), new DateOnly(2027, 7, 31), new DateOnly(2027, 8, 31),
            new DateOnly(2027, 9, 30), new DateOnly(2027, 10, 31), new DateOnly(2027, 11, 30), new DateOnly(2027, 12, 31),
            new DateOnly(2028, 1, 31), new DateOnly(2028, 2, 29), new DateOnly(2028, 3, 31));
    }

    [Fact]
    public void Yearly_on_29_February_falls_on_28_February_in_other_years()
    {
        var schedule = CampaignSchedule.Recurring(London, RecurrenceFrequency.Annually, new TimeOnly(10, 0), new DateOnly(2028, 2, 29), new DateOnly(2033, 3, 1));

        schedule.OccurrenceDates().Should().Equal(
            new DateOnly(2028, 2, 29), new DateOnly(2029, 2, 28), new DateOnly(2030, 2, 28), new DateOnly(2031, 2, 28),
            new DateOnly(2032, 2, 29), new DateOnly(2033, 2, 28));
        schedule.Describe().Should().StartWith("Every year on 29 February (28 February in other years) at 10:00 (Europe/London)");
    }

    [Fact]
    public void Twice_a_month_is_the_start_day_and_15_days_later()
    {
        CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.SemiMonthly, new TimeOnly(9, 0), new DateOnly(2027, 3, 1), new DateOnly(2027, 5, 1))
            .OccurrenceDates().Should().Equal(
                new DateOnly(2027, 3, 1), new DateOnly(2027, 3, 16), new DateOnly(2027, 4, 1), new DateOnly(2027, 4, 16), new DateOnly(2027, 5, 1));

        CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.SemiMonthly, new TimeOnly(9, 0), new DateOnly(2027, 1, 20), new DateOnly(2027, 4, 5))
            .OccurrenceDates().Should().Equal(
                new DateOnly(2027, 1, 20), new DateOnly(2027, 2, 4), new DateOnly(2027, 2, 20), new DateOnly(2027, 3, 7),
                new DateOnly(2027, 3, 20), new DateOnly(2027, 4, 4));

        // The 31st: the month's last day, then 15 days later; never twice on one day.
        CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.SemiMonthly, new TimeOnly(9, 0), new DateOnly(2027, 1, 31), new DateOnly(2027, 4, 30))
            .OccurrenceDates().Should().Equal(
                new DateOnly(2027, 1, 31), new DateOnly(2027, 2, 15), new DateOnly(2027, 2, 28), new DateOnly(2027, 3, 15),
                new DateOnly(2027, 3, 31), new DateOnly(2027, 4, 15), new DateOnly(2027, 4, 30));
    }

    [Fact]
    public void Daily_weekly_and_every_six_months_count_calendar_days_and_months_from_the_start()
    {
        CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.Daily, new TimeOnly(9, 0), new DateOnly(2027, 2, 27), new DateOnly(2027, 3, 2))
            .OccurrenceDates().Should().Equal(new DateOnly(2027, 2, 27), new DateOnly(2027, 2, 28), new DateOnly(2027, 3, 1), new DateOnly(2027, 3, 2));
        CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.Weekly, new TimeOnly(9, 0), new DateOnly(2027, 1, 4), new DateOnly(2027, 1, 31))
            .OccurrenceDates().Should().Equal(new DateOnly(2027, 1, 4), new DateOnly(2027, 1, 11), new DateOnly(2027, 1, 18), new DateOnly(2027, 1, 25));
        CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.SemiAnnually, new TimeOnly(9, 0), new DateOnly(2027, 8, 31), new DateOnly(2029, 3, 1))
            .OccurrenceDates().Should().Equal(new DateOnly(2027, 8, 31), new DateOnly(2028, 2, 29), new DateOnly(2028, 8, 31), new DateOnly(2029, 2, 28));
    }

    [Fact]
    public void A_daily_time_keeps_its_wall_clock_across_daylight_saving_and_moves_past_a_skipped_hour()
    {
        var schedule = CampaignSchedule.Recurring(NewYork, RecurrenceFrequency.Daily, new TimeOnly(2, 30), new DateOnly(2027, 3, 13), new DateOnly(2027, 3, 15));

        schedule.Occurrences(Now).Should().Equal(
            new ScheduledOccurrence(new DateTime(2027, 3, 13, 2, 30, 0), Utc(2027, 3, 13, 7, 30), LocalTimeAdjustment.None),
            // 02:30 does not exist on the 14th: sent at 03:30 EDT, the same instant as 02:30 EST would have been.
            new ScheduledOccurrence(new DateTime(2027, 3, 14, 2, 30, 0), Utc(2027, 3, 14, 7, 30), LocalTimeAdjustment.MovedPastGap),
            new ScheduledOccurrence(new DateTime(2027, 3, 15, 2, 30, 0), Utc(2027, 3, 15, 6, 30), LocalTimeAdjustment.None));

        var validation = ScheduleRules.Validate(new ScheduleInput
        {
            Kind = "Recurring", TimeZoneId = "America/New_York", Frequency = "DAILY", RecurrenceTime = "02:30", StartDate = "2027-03-13", EndDate = "2027-03-15",
        }, Now);
        validation.Succeeded.Should().BeTrue();
        validation.Notes.Should().Equal("02:30 does not exist in America/New_York on Sun 14 Mar 2027 (the clocks go forward): that day's message goes at 03:30.");
    }

    [Fact]
    public void A_daily_time_that_happens_twice_goes_at_the_first()
    {
        var schedule = CampaignSchedule.Recurring(London, RecurrenceFrequency.Daily, new TimeOnly(1, 30), new DateOnly(2027, 10, 30), new DateOnly(2027, 10, 31));

        schedule.Occurrences(Now).Select(o => (o.Utc, o.Adjustment)).Should().Equal(
            (Utc(2027, 10, 30, 0, 30), LocalTimeAdjustment.None),
            (Utc(2027, 10, 31, 0, 30), LocalTimeAdjustment.FirstOfTwo));
    }

    [Fact]
    public void The_next_occurrence_skips_the_ones_already_past()
    {
        var schedule = CampaignSchedule.Recurring(TimeZoneInfo.Utc, RecurrenceFrequency.Daily, new TimeOnly(9, 0), new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30));

        schedule.NextOccurrenceUtc(Now).Should().Be(Utc(2026, 11, 22, 9, 0));
        schedule.NextOccurrenceUtc(Utc(2026, 11, 30, 9, 0)).Should().BeNull("the end date's occurrence is the last");
    }

    [Fact]
    public void Recurrences_are_refused_when_the_end_is_before_the_start_too_far_or_all_in_the_past()
    {
        ScheduleInput Recurring(string start, string end) => new()
        {
            Kind = "Recurring", TimeZoneId = "Europe/London", Frequency = "Monthly", RecurrenceTime = "09:00", StartDate = start, EndDate = end,
        };

        ScheduleRules.Validate(Recurring("2027-05-01", "2027-04-30"), Now).Errors[nameof(ScheduleInput.EndDate)].Single()
            .Should().Be("The end date (Fri 30 Apr 2027) is before the start date (Sat 1 May 2027).");
        ScheduleRules.Validate(Recurring("2026-01-01", "2026-11-01"), Now).Errors[nameof(ScheduleInput.EndDate)].Single()
            .Should().Be("Every occurrence between Thu 1 Jan 2026 and Sun 1 Nov 2026 has passed. Choose later dates.");
        ScheduleRules.Validate(Recurring("2027-01-01", "2037-01-02"), Now).Errors[nameof(ScheduleInput.EndDate)].Single()
            .Should().StartWith("A recurrence can run for at most 10 years");

        // A start in the past is fine while later occurrences remain: the next one is the first sent.
        var ongoing = ScheduleRules.Validate(Recurring("2026-10-15", "2027-01-15"), Now);
        ongoing.Succeeded.Should().BeTrue();
        ongoing.Schedule!.NextOccurrenceUtc(Now).Should().Be(Utc(2026, 12, 15, 9, 0));
    }

    [Fact]
    public void Unreadable_values_and_unknown_zones_get_a_sentence_each()
    {
        var result = ScheduleRules.Validate(new ScheduleInput
        {
            Kind = "Recurring", TimeZoneId = "Europe/London", Frequency = "Fortnightly", RecurrenceTime = "25:00", StartDate = "01/02/2027", EndDate = "",
        }, Now);

        result.Errors[nameof(ScheduleInput.Frequency)].Should().Equal("Choose how often to send.");
        result.Errors[nameof(ScheduleInput.RecurrenceTime)].Should().Equal("“25:00” is not a time; use the 24-hour form HH:mm, for example 09:30.");
        result.Errors[nameof(ScheduleInput.StartDate)].Should().Equal("“01/02/2027” is not a date; use the form YYYY-MM-DD.");
        result.Errors[nameof(ScheduleInput.EndDate)].Should().Equal("Choose the last date.");

        ScheduleRules.Validate(new ScheduleInput { Kind = "Now", TimeZoneId = "Mars/Olympus_Mons" }, Now).Errors[nameof(ScheduleInput.TimeZoneId)].Single()
            .Should().StartWith("“Mars/Olympus_Mons” is not a known IANA time zone");
        ScheduleRules.Validate(new ScheduleInput { Kind = "Now", TimeZoneId = "Eastern Standard Time" }, Now).Succeeded
            .Should().BeFalse("only IANA ids are stored");
        ScheduleRules.Validate(new ScheduleInput { Kind = "Sometime", TimeZoneId = "UTC" }, Now).Errors.Should().ContainKey(nameof(ScheduleInput.Kind));
    }

    [Fact]
    public void Applying_a_schedule_stores_its_fields_and_clears_those_of_another_kind()
    {
        var campaign = new Campaign { ScheduledLocalTime = new DateTime(2027, 1, 1, 9, 0, 0) };
        var recurring = CampaignSchedule.Recurring(London, RecurrenceFrequency.Weekly, new TimeOnly(9, 15), new DateOnly(2027, 1, 4), new DateOnly(2027, 3, 1));

        recurring.ApplyTo(campaign, Now);

        campaign.ScheduleKind.Should().Be(ScheduleKind.Recurring);
        campaign.TimeZoneId.Should().Be("Europe/London");
        campaign.ScheduledLocalTime.Should().BeNull();
        (campaign.Recurrence, campaign.RecurrenceTime, campaign.RecurrenceStart, campaign.RecurrenceEnd).Should()
            .Be((RecurrenceFrequency.Weekly, new TimeOnly(9, 15), new DateOnly(2027, 1, 4), new DateOnly(2027, 3, 1)));
        campaign.ScheduledAt.Should().Be(Utc(2027, 1, 4, 9, 15));
        CampaignSchedule.Of(campaign)!.Describe().Should().Be("Every week on Monday at 09:15 (Europe/London), from Mon 4 Jan 2027 to Mon 1 Mar 2027.");

        CampaignSchedule.Now(London).ApplyTo(campaign, Now);
        (campaign.ScheduledAt, campaign.Recurrence, campaign.RecurrenceStart).Should().Be((null, null, null));
    }

    [Theory]
    [InlineData(1, "1st")]
    [InlineData(2, "2nd")]
    [InlineData(3, "3rd")]
    [InlineData(4, "4th")]
    [InlineData(11, "11th")]
    [InlineData(12, "12th")]
    [InlineData(13, "13th")]
    [InlineData(21, "21st")]
    [InlineData(22, "22nd")]
    [InlineData(31, "31st")]
    public void Days_of_the_month_read_as_ordinals(int day, string expected) => CampaignSchedule.Ordinal(day).Should().Be(expected);
}
