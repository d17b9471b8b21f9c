using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Scheduling;

/// <summary>
/// Several app instances on one database, one after the other or at once: the schedule lives in PostgreSQL, so it
/// survives restarts, and the instances form one Quartz cluster, so a fire happens once. Each test owns its database.
/// </summary>
public sealed class SchedulingClusterTests : IAsyncLifetime
{
    private readonly FireLog _fires = new();
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public Task DisposeAsync() => TestDatabase.DropAsync(_database);

    [Fact]
    public async Task The_schedule_survives_a_restart()
    {
        int id;
        DateTimeOffset fireAt;
        await using (var before = await StartAsync("before"))
        {
            id = await before.AddScheduledCampaignAsync("Survives a restart");
            // Enough ahead for the instance to have stopped before it is due, even on a busy machine.
            fireAt = SchedulingAppFactory.SecondsAhead(4);
            await before.Scheduler.ScheduleOnceAsync(id, fireAt);
        }
        _fires.For(id).Should().BeEmpty("the first instance stopped before the campaign was due");

        await using var after = await StartAsync("after");

        (await after.Scheduler.GetNextFireTimeAsync(id)).Should().Be(fireAt, "the trigger was stored, not kept in memory");
        await Poll.UntilAsync(() => after.IsRunningAsync(id), "the campaign to be started by the restarted app");
        // The fire is logged when the runner returns, a moment after its status change is visible.
        await Poll.UntilAsync(() => Task.FromResult(_fires.For(id).Count > 0), "the fire to be logged");
        _fires.For(id).Should().ContainSingle().Which.Instance.Should().Be("after");
        (await after.RunAuditsAsync("Survives a restart")).Should().ContainSingle();
    }

    [Fact]
    public async Task A_fire_missed_while_no_instance_was_running_runs_once_at_start_up()
    {
        // A short misfire threshold, so the wait below makes the fire a true misfire rather than a late one.
        var settings = new Dictionary<string, string?> { ["Scheduling:MisfireThreshold"] = "00:00:01" };
        int id;
        DateTimeOffset fireAt;
        await using (var before = await StartAsync("before", settings))
        {
            id = await before.AddScheduledCampaignAsync("Missed while down");
            fireAt = SchedulingAppFactory.SecondsAhead(3);
            await before.Scheduler.ScheduleOnceAsync(id, fireAt);
        }
        _fires.For(id).Should().BeEmpty("the app stopped before the campaign was due");
        // Past the due time and the misfire threshold, with no instance running.
        var missedBy = fireAt.AddSeconds(2) - DateTimeOffset.UtcNow;
        if (missedBy > TimeSpan.Zero)
            await Task.Delay(missedBy);

        await using var after = await StartAsync("after", settings);

        await Poll.UntilAsync(() => after.IsRunningAsync(id), "the missed campaign to be started at start-up");
        await Poll.UntilAsync(after.QuartzIsIdleAsync, "the scheduler to have nothing left to fire");
        _fires.For(id).Should().ContainSingle("a missed fire runs once, not once per missed occasion")
            .Which.ScheduledForUtc.Should().Be(fireAt, "the runner learns when the campaign was meant to start");
        (await after.RunAuditsAsync("Missed while down")).Should().ContainSingle();
    }

    [Fact]
    public async Task Two_instances_on_one_database_start_each_campaign_once()
    {
        await using var first = await StartAsync("first");
        await using var second = await StartAsync("second");
        var ids = new List<int>();
        var fireAt = SchedulingAppFactory.SecondsAhead(2);
        for (var i = 0; i < 6; i++)
        {
            // Scheduled through either instance: both see the same store.
            var through = i % 2 == 0 ? first : second;
            var id = await through.AddScheduledCampaignAsync($"Clustered {i}");
            await through.Scheduler.ScheduleOnceAsync(id, fireAt);
            ids.Add(id);
        }

        foreach (var id in ids)
            await Poll.UntilAsync(() => first.IsRunningAsync(id), $"campaign {id} to be running");
        await Poll.UntilAsync(first.QuartzIsIdleAsync, "the cluster to have nothing left to fire");

        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            _fires.For(id).Should().ContainSingle("campaign {0} must fire in exactly one instance", id);
            (await second.RunAuditsAsync($"Clustered {i}")).Should().ContainSingle();
        }
    }

    [Fact]
    public async Task A_schedule_stored_by_an_instance_with_scheduling_off_is_fired_by_one_with_it_on()
    {
        await using var worker = await StartAsync("worker");
        await using var web = await StartAsync("web", new Dictionary<string, string?> { ["Scheduling:Enabled"] = "false" });
        var id = await web.AddScheduledCampaignAsync("Stored by the web node");

        await web.Scheduler.ScheduleOnceAsync(id, SchedulingAppFactory.SecondsAhead(1));

        await Poll.UntilAsync(() => web.IsRunningAsync(id), "the worker to start the campaign");
        await Poll.UntilAsync(() => Task.FromResult(_fires.For(id).Count > 0), "the fire to be logged");
        _fires.For(id).Should().ContainSingle().Which.Instance.Should().Be("worker", "an instance with scheduling off never fires");
        (await worker.CampaignAsync(id)).Status.Should().Be(CampaignStatus.Running);
    }

    private async Task<SchedulingAppFactory> StartAsync(string name, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var app = SchedulingAppFactory.On(_database, name, _fires, settings);
        await app.StartAppAsync();
        return app;
    }
}
