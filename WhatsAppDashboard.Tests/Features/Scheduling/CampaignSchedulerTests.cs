using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Scheduling;

namespace WhatsAppDashboard.Tests.Features.Scheduling;

/// <summary>One app instance with its scheduler running; every test uses campaigns of its own.</summary>
public sealed class CampaignSchedulerTests(SchedulingAppFactory app) : IClassFixture<SchedulingAppFactory>
{
    [Fact]
    public async Task A_campaign_scheduled_two_seconds_ahead_is_started_by_its_schedule()
    {
        var name = NewName();
        var id = await app.AddScheduledCampaignAsync(name);
        var fireAt = SchedulingAppFactory.SecondsAhead(2);

        await app.Scheduler.ScheduleOnceAsync(id, fireAt);

        (await app.Scheduler.GetNextFireTimeAsync(id)).Should().Be(fireAt);
        await Poll.UntilAsync(() => app.IsRunningAsync(id), "the scheduled campaign to be running");
        var campaign = await app.CampaignAsync(id);
        campaign.StartedAt.Should().NotBeNull("starting records when");
        var audit = (await app.RunAuditsAsync(name)).Should().ContainSingle().Subject;
        audit.Actor.Should().Be("system");
        audit.Details.Should().StartWith("started by its schedule");
        app.Fires.For(id).Should().ContainSingle().Which.ScheduledForUtc.Should().Be(fireAt);
        (await app.Scheduler.GetNextFireTimeAsync(id)).Should().BeNull("a one-off schedule is used up once it has fired");
    }

    [Fact]
    public async Task Unscheduling_prevents_the_fire()
    {
        var unscheduled = await app.AddScheduledCampaignAsync(NewName());
        var control = await app.AddScheduledCampaignAsync(NewName());
        await app.Scheduler.ScheduleOnceAsync(unscheduled, SchedulingAppFactory.SecondsAhead(3));
        // Due a second later: once it has run, the unscheduled one would have run too.
        await app.Scheduler.ScheduleOnceAsync(control, SchedulingAppFactory.SecondsAhead(4));

        (await app.Scheduler.UnscheduleAsync(unscheduled)).Should().BeTrue();

        (await app.Scheduler.GetNextFireTimeAsync(unscheduled)).Should().BeNull();
        await Poll.UntilAsync(() => app.IsRunningAsync(control), "the control campaign to be running");
        (await app.CampaignAsync(unscheduled)).Status.Should().Be(CampaignStatus.Scheduled, "its schedule was removed");
        app.Fires.For(unscheduled).Should().BeEmpty();
        (await app.Scheduler.UnscheduleAsync(unscheduled)).Should().BeFalse("there is nothing left to remove");
    }

    [Fact]
    public async Task Rescheduling_replaces_the_old_trigger_so_the_campaign_fires_once_at_the_new_time()
    {
        var name = NewName();
        var id = await app.AddScheduledCampaignAsync(name);
        var first = SchedulingAppFactory.SecondsAhead(3);
        var second = first.AddSeconds(2);
        await app.Scheduler.ScheduleOnceAsync(id, first);

        await app.Scheduler.ScheduleOnceAsync(id, second);

        (await app.Scheduler.GetNextFireTimeAsync(id)).Should().Be(second);
        await Poll.UntilAsync(() => app.IsRunningAsync(id), "the rescheduled campaign to be running");
        await Poll.UntilAsync(app.QuartzIsIdleAsync, "the scheduler to have nothing left to fire");
        app.Fires.For(id).Should().ContainSingle("the first trigger was replaced, not added to")
            .Which.ScheduledForUtc.Should().Be(second);
        (await app.RunAuditsAsync(name)).Should().ContainSingle();
    }

    [Fact]
    public async Task An_occurrence_hands_its_local_date_to_the_runner()
    {
        var id = await app.AddScheduledCampaignAsync(NewName());
        var fireAt = SchedulingAppFactory.SecondsAhead(2);

        await app.Scheduler.ScheduleOccurrenceAsync(id, fireAt, new DateOnly(2026, 12, 24));

        await Poll.UntilAsync(() => Task.FromResult(app.Fires.For(id).Count > 0), "the occurrence to fire");
        var fire = app.Fires.For(id).Should().ContainSingle().Subject;
        fire.OccurrenceDate.Should().Be(new DateOnly(2026, 12, 24));
        fire.ScheduledForUtc.Should().Be(fireAt);
    }

    [Fact]
    public async Task A_campaign_cancelled_after_it_was_scheduled_is_not_started_when_its_trigger_fires()
    {
        var name = NewName();
        var id = await app.AddScheduledCampaignAsync(name);
        await app.Scheduler.ScheduleOnceAsync(id, SchedulingAppFactory.SecondsAhead(3));

        // Cancelled without removing the schedule: the runner's guarded update is what must hold.
        await app.CancelCampaignAsync(id);

        await Poll.UntilAsync(() => Task.FromResult(app.Fires.For(id).Count > 0), "the trigger of the cancelled campaign to fire");
        var campaign = await app.CampaignAsync(id);
        campaign.Status.Should().Be(CampaignStatus.Cancelled);
        campaign.StartedAt.Should().BeNull();
        (await app.RunAuditsAsync(name)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_campaign_that_was_already_started_is_not_started_again_by_a_second_fire()
    {
        var name = NewName();
        var id = await app.AddScheduledCampaignAsync(name);
        await app.Scheduler.ScheduleOnceAsync(id, SchedulingAppFactory.SecondsAhead(0));
        await Poll.UntilAsync(() => app.IsRunningAsync(id), "the campaign to be running");
        var startedAt = (await app.CampaignAsync(id)).StartedAt;

        // A repeated fire, as a retry or a recovered fire would bring.
        await app.Scheduler.ScheduleOnceAsync(id, SchedulingAppFactory.SecondsAhead(0));

        await Poll.UntilAsync(() => Task.FromResult(app.Fires.For(id).Count == 2), "the second fire");
        (await app.CampaignAsync(id)).StartedAt.Should().Be(startedAt, "a running campaign is not started twice");
        (await app.RunAuditsAsync(name)).Should().ContainSingle();
    }

    [Fact]
    public async Task A_fire_whose_runner_fails_is_retried_later()
    {
        var name = NewName();
        var id = await app.AddScheduledCampaignAsync(name);
        app.Fires.FailNextRunOf(id);

        await app.Scheduler.ScheduleOnceAsync(id, SchedulingAppFactory.SecondsAhead(0));

        // The first retry comes about 10 s after the failure.
        await Poll.UntilAsync(() => app.IsRunningAsync(id), "the retried fire to start the campaign", seconds: 30);
        // The fire is logged when the runner returns, a moment after its status change is visible.
        await Poll.UntilAsync(() => Task.FromResult(app.Fires.For(id).Count == 2), "the retried fire to be logged");
        app.Fires.For(id).Select(f => f.Failed).Should().Equal(true, false);
        (await app.RunAuditsAsync(name)).Should().ContainSingle();
    }

    private static string NewName() => "Scheduled " + Guid.NewGuid().ToString("N")[..8];
}
