using System.Globalization;
using AngleSharp.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Scheduling;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Step 4 through its page: send now, once at a local time, or a recurrence, with the validation messages.</summary>
public sealed class ScheduleStepTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static readonly TimeZoneInfo London = TimeZones.FindOrUtc("Europe/London");

    private async Task<int> CampaignAsync(string name, int wizardStep = 3, CampaignStatus status = CampaignStatus.Draft)
    {
        var account = await app.AddAccountAsync($"{name} account");
        var template = await app.AddTemplateAsync(account, "order_update");
        return await app.AddCampaignAsync(name, account, template, status, wizardStep);
    }

    private static Dictionary<string, string> Once(string zone, DateOnly date, string time) => new()
    {
        ["Input.Kind"] = "Once", ["Input.TimeZoneId"] = zone, ["Input.OnceDate"] = Iso(date), ["Input.OnceTime"] = time,
    };

    private static Dictionary<string, string> Recurring(string zone, string frequency, string time, DateOnly start, DateOnly end) => new()
    {
        ["Input.Kind"] = "Recurring", ["Input.TimeZoneId"] = zone, ["Input.Frequency"] = frequency, ["Input.RecurrenceTime"] = time,
        ["Input.StartDate"] = Iso(start), ["Input.EndDate"] = Iso(end),
    };

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Today in London by the app's clock, which runs ahead of the wall clock.</summary>
    private DateOnly AppToday => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), London).DateTime);

    private static DateOnly LastSunday(int year, int month)
    {
        var day = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        while (day.DayOfWeek != DayOfWeek.Sunday)
            day = day.AddDays(-1);
        return day;
    }

    private async Task<(HttpClient Client, IDocument Page)> OpenAsync(int id, string timeZone = "UTC")
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer, timeZone);
        return (client, await client.GetPageAsync($"/campaigns/{id}/schedule"));
    }

    [Fact]
    public async Task The_form_starts_with_send_now_in_the_users_own_time_zone()
    {
        var id = await CampaignAsync("Fresh schedule");

        var (_, page) = await OpenAsync(id, "America/New_York");

        page.QuerySelector("#kind-now")!.HasAttribute("checked").Should().BeTrue();
        page.QuerySelector("#schedule-zone option[selected]")!.TextContent.Should().Be("America/New_York");
        page.QuerySelectorAll("#schedule-zone option").Select(o => o.TextContent).Should().Contain(["Europe/London", "Asia/Kolkata", "UTC"]);
        page.QuerySelector("[data-testid=earlier-steps]").Should().BeNull();
    }

    [Fact]
    public async Task Send_now_is_saved_and_leads_to_the_review()
    {
        var id = await CampaignAsync("Right away");
        var (client, page) = await OpenAsync(id);

        var response = await client.SubmitAsync(page.Form("schedule"), new Dictionary<string, string> { ["Input.Kind"] = "Now", ["Input.TimeZoneId"] = "UTC" });

        response.RedirectTarget().Should().Be($"/campaigns/{id}/review");
        var campaign = (await app.FindCampaignAsync(id))!;
        (campaign.ScheduleKind, campaign.ScheduledAt, campaign.WizardStep).Should().Be((ScheduleKind.Now, null, 4));
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.update");
    }

    [Fact]
    public async Task A_local_time_is_stored_with_its_zone_and_the_instant_it_stands_for()
    {
        var id = await CampaignAsync("Once in London");
        var (client, page) = await OpenAsync(id);
        var date = AppToday.AddDays(10);

        var response = await client.SubmitAsync(page.Form("schedule"), Once("Europe/London", date, "10:15"));

        response.RedirectTarget().Should().Be($"/campaigns/{id}/review");
        var campaign = (await app.FindCampaignAsync(id))!;
        campaign.ScheduleKind.Should().Be(ScheduleKind.Once);
        campaign.TimeZoneId.Should().Be("Europe/London");
        campaign.ScheduledLocalTime.Should().Be(date.ToDateTime(new TimeOnly(10, 15)));
        var local = date.ToDateTime(new TimeOnly(10, 15));
        campaign.ScheduledAt.Should().Be(new DateTimeOffset(local, London.GetUtcOffset(local)));

        var reopened = await client.GetPageAsync($"/campaigns/{id}/schedule");
        reopened.QuerySelector("#kind-once")!.HasAttribute("checked").Should().BeTrue("the form shows what was saved");
        reopened.QuerySelector("#once-date")!.GetAttribute("value").Should().Be(Iso(date));
        reopened.QuerySelector("#once-time")!.GetAttribute("value").Should().Be("10:15");
        reopened.QuerySelector("#schedule-zone option[selected]")!.TextContent.Should().Be("Europe/London");
    }

    [Fact]
    public async Task A_time_in_the_past_by_the_apps_clock_is_refused()
    {
        var id = await CampaignAsync("Too late");
        var (client, page) = await OpenAsync(id);
        // Tomorrow by the wall clock is already past for the app, whose clock runs three days ahead.
        var wallClockTomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);

        var result = await (await client.SubmitAsync(page.Form("schedule"), Once("UTC", wallClockTomorrow, "12:00"))).ReadHtmlAsync();

        result.ValidationMessageFor("once-date").Should().StartWith("That time has passed: it is now ").And.EndWith("in UTC. Choose a later time.");
        (await app.FindCampaignAsync(id))!.ScheduleKind.Should().Be(ScheduleKind.Now, "nothing was saved");
    }

    [Fact]
    public async Task A_time_the_clocks_skip_is_refused_and_one_they_repeat_is_sent_at_the_first()
    {
        var id = await CampaignAsync("Clock changes");
        var (client, page) = await OpenAsync(id);
        var springForward = LastSunday(AppToday.Year + 1, 3);
        var fallBack = LastSunday(AppToday.Year + 1, 10);

        var gap = await (await client.SubmitAsync(page.Form("schedule"), Once("Europe/London", springForward, "01:30"))).ReadHtmlAsync();
        gap.ValidationMessageFor("once-time").Should()
            .Be($"01:30 on {CampaignSchedule.LongDate(springForward)} does not exist in Europe/London: the clocks go forward from 01:00 to 02:00. Choose another time.");
        gap.QuerySelector("#once-time")!.GetAttribute("value").Should().Be("01:30", "the form keeps what was entered");

        var repeated = await client.SubmitAsync(gap.Form("schedule"), Once("Europe/London", fallBack, "01:30"));
        repeated.RedirectTarget().Should().Be($"/campaigns/{id}/review");
        (await client.GetPageAsync("/campaigns")).FlashTexts().Should().Contain(
            $"01:30 on {CampaignSchedule.LongDate(fallBack)} happens twice in Europe/London (the clocks go back from 02:00 to 01:00): the campaign is sent at the first, 00:30 UTC.");
        (await app.FindCampaignAsync(id))!.ScheduledAt.Should().Be(new DateTimeOffset(fallBack.ToDateTime(new TimeOnly(0, 30)), TimeSpan.Zero));
    }

    [Fact]
    public async Task A_recurrence_is_checked_and_stored_with_its_next_occurrence()
    {
        var id = await CampaignAsync("Monthly report");
        var (client, page) = await OpenAsync(id);
        var start = new DateOnly(AppToday.Year + 1, 1, 31);

        var backwards = await (await client.SubmitAsync(page.Form("schedule"), Recurring("UTC", "Monthly", "09:00", start, start.AddDays(-1)))).ReadHtmlAsync();
        backwards.ValidationMessageFor("recurrence-end").Should().StartWith("The end date (").And.Contain("is before the start date");

        var missing = await (await client.SubmitAsync(page.Form("schedule"), Recurring("UTC", "Monthly", "", start, start))).ReadHtmlAsync();
        missing.ValidationMessageFor("recurrence-time").Should().Be("Choose the time of day to send at.");

        var response = await client.SubmitAsync(page.Form("schedule"), Recurring("UTC", "Monthly", "09:00", start, start.AddMonths(6)));
        response.RedirectTarget().Should().Be($"/campaigns/{id}/review");
        var campaign = (await app.FindCampaignAsync(id))!;
        (campaign.ScheduleKind, campaign.Recurrence, campaign.RecurrenceTime, campaign.RecurrenceStart, campaign.RecurrenceEnd, campaign.ScheduledLocalTime).Should()
            .Be((ScheduleKind.Recurring, RecurrenceFrequency.Monthly, new TimeOnly(9, 0), start, start.AddMonths(6), null));
        campaign.ScheduledAt.Should().Be(new DateTimeOffset(start.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero));
    }

    [Fact]
    public async Task Scheduling_early_does_not_mark_the_audience_and_parameters_as_done()
    {
        var id = await CampaignAsync("Early bird", wizardStep: 1);
        var (client, page) = await OpenAsync(id);
        page.QuerySelector("[data-testid=earlier-steps]").Should().NotBeNull();

        await client.SubmitAsync(page.Form("schedule"), new Dictionary<string, string> { ["Input.Kind"] = "Now", ["Input.TimeZoneId"] = "UTC" });

        (await app.FindCampaignAsync(id))!.WizardStep.Should().Be(1);
    }

    [Fact]
    public async Task Changing_the_time_of_a_scheduled_campaign_moves_its_next_run()
    {
        var id = await CampaignAsync("Moved", wizardStep: 5, status: CampaignStatus.Scheduled);
        var (client, page) = await OpenAsync(id);
        var date = AppToday.AddDays(20);

        await client.SubmitAsync(page.Form("schedule"), Once("UTC", date, "08:00"));

        var campaign = (await app.FindCampaignAsync(id))!;
        campaign.Status.Should().Be(CampaignStatus.Scheduled);
        campaign.ScheduledAt.Should().Be(new DateTimeOffset(date.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero));
        (await app.WithDbAsync(db => db.AuditEntries.Where(e => e.Target.StartsWith($"#{id} ")).Select(e => e.Details).SingleAsync()))
            .Should().StartWith("schedule: Once, on ");
    }

    private CampaignScheduler Scheduler => app.Services.GetRequiredService<CampaignScheduler>();

    /// <summary>A scheduled campaign whose trigger is set, as Schedule leaves it.</summary>
    private async Task<int> ScheduledWithTriggerAsync(string name)
    {
        var id = await CampaignAsync(name, wizardStep: 5, status: CampaignStatus.Scheduled);
        await Scheduler.ScheduleOnceAsync(id, app.Clock.GetUtcNow().AddDays(10));
        return id;
    }

    [Fact]
    public async Task Moving_a_scheduled_campaign_to_another_time_moves_its_trigger()
    {
        var id = await ScheduledWithTriggerAsync("Trigger moved");
        var (client, page) = await OpenAsync(id);
        var date = AppToday.AddDays(25);

        await client.SubmitAsync(page.Form("schedule"), Once("Europe/London", date, "07:45"));

        var local = date.ToDateTime(new TimeOnly(7, 45));
        (await Scheduler.GetNextFireTimeAsync(id)).Should().Be(new DateTimeOffset(local, London.GetUtcOffset(local)));
    }

    [Fact]
    public async Task Making_a_scheduled_campaign_recurring_sets_its_trigger_to_the_first_occurrence()
    {
        var id = await ScheduledWithTriggerAsync("Trigger recurring");
        var (client, page) = await OpenAsync(id);
        var start = AppToday.AddDays(4);

        await client.SubmitAsync(page.Form("schedule"), Recurring("UTC", "WEEKLY", "18:30", start, start.AddDays(30)));

        var first = new DateTimeOffset(start.ToDateTime(new TimeOnly(18, 30)), TimeSpan.Zero);
        (await Scheduler.GetNextFireTimeAsync(id)).Should().Be(first);
        (await app.FindCampaignAsync(id))!.ScheduledAt.Should().Be(first);
    }

    [Fact]
    public async Task Switching_a_scheduled_campaign_to_send_now_removes_its_trigger()
    {
        var id = await ScheduledWithTriggerAsync("Trigger removed");
        var (client, page) = await OpenAsync(id);

        await client.SubmitAsync(page.Form("schedule"), new Dictionary<string, string> { ["Input.Kind"] = "Now", ["Input.TimeZoneId"] = "UTC" });

        (await Scheduler.GetNextFireTimeAsync(id)).Should().BeNull();
        (await app.FindCampaignAsync(id))!.ScheduleKind.Should().Be(ScheduleKind.Now);
    }

    [Fact]
    public async Task Scheduling_a_draft_on_the_step_sets_no_trigger_until_it_is_scheduled()
    {
        var id = await CampaignAsync("Draft untouched", wizardStep: 5);
        var (client, page) = await OpenAsync(id);

        await client.SubmitAsync(page.Form("schedule"), Once("UTC", AppToday.AddDays(5), "09:00"));

        (await Scheduler.GetNextFireTimeAsync(id)).Should().BeNull();
    }
}
