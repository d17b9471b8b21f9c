using WhatsAppDashboard.Benchmark;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Benchmark;

/// <summary>
/// <c>bench --scenario crash</c>, scaled down: the dashboard runs as a child process of the benchmark (the simulator as
/// another), is killed with SIGKILL a third of the way into the run and started again on the same database.
/// </summary>
public sealed class CrashScenarioTests
{
    [Fact]
    public async Task A_sending_process_killed_mid_run_and_started_again_sends_nobody_twice_and_leaves_nobody_open()
    {
        var database = await TestDatabase.CreateAsync();
        try
        {
            var runner = new BenchRunner(new BenchOptions
            {
                Recipients = 400,
                Mps = 100,
                LatencyMs = 20,
                Scenario = BenchScenario.Crash,
                DisruptAt = 0.3,
                ReplayConcurrency = 4,
                DatabaseConnectionString = database,
                Progress = false,
                Timeout = TimeSpan.FromMinutes(4),
            }, TestDatabase.ServerConnectionString, TextWriter.Null);

            var result = await runner.RunAsync(CancellationToken.None);

            result.InFlightAtKill.Should().NotBeNull("the app was killed mid-run");
            result.Duplicates.Should().Be(0, "no phone may get the message twice, crash or not");
            result.Lost.Should().Be(0, "after the restart every recipient ends sent, failed or unknown");
            result.Unknown.Should().BeLessThanOrEqualTo(result.InFlightAtKill!.Value,
                "only what was claimed and not yet recorded when the process died can be unknown");
            result.CountersConsistent.Should().BeTrue("the counters must equal the rows after the crash and the replayed statuses");
            result.Sends.Should().BeGreaterThanOrEqualTo(400 - result.InFlightAtKill.Value);
        }
        finally
        {
            await TestDatabase.DropAsync(database);
        }
    }
}
