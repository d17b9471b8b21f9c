using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Scheduling;

public sealed class SchedulingStartupTests
{
    [Fact]
    public async Task On_a_brand_new_database_the_first_start_creates_what_scheduling_needs()
    {
        // No tables at all (the other tests' databases are copies of a template that has them already).
        var database = await TestDatabase.CreateEmptyAsync();
        try
        {
            await using var app = SchedulingAppFactory.On(
                database, "first start", new FireLog(), new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "true" });
            await app.StartAppAsync();
            var id = await app.AddScheduledCampaignAsync("On a new database");

            await app.Scheduler.ScheduleOnceAsync(id, SchedulingAppFactory.SecondsAhead(1));

            await Poll.UntilAsync(() => app.IsRunningAsync(id), "the campaign to be started on the new database");
        }
        finally
        {
            await TestDatabase.DropAsync(database);
        }
    }
}
