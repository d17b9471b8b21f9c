using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Dispatch;
using WhatsAppDashboard.Tests.Features.Webhooks;

namespace WhatsAppDashboard.Tests.Benchmark;

/// <summary>
/// <c>bench --scenario db-restart</c>, scaled down. The PostgreSQL server is shared with tests running in parallel, so
/// instead of restarting it this cuts every session of the test's own database (pg_terminate_backend) mid-run, twice:
/// for the app that is what a restart looks like (every pooled and dedicated connection dies at once).
/// </summary>
public sealed class DatabaseOutageScenarioTests(DatabaseOutageScenarioTests.Factory app) : IClassFixture<DatabaseOutageScenarioTests.Factory>
{
    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            ["Sandbox:Latency:MeanMs"] = "20",
            ["Sandbox:Latency:JitterMs"] = "5",
            ["Sandbox:SentDelay:MeanMs"] = "0",
            ["Sandbox:DeliveredProbability"] = "1",
            ["Sandbox:WebhookAttempts"] = "8",
            ["Webhooks:PollIntervalMilliseconds"] = "100",
            // A slow answer on a busy machine must not be taken for a lost one: only the outage is under test.
            ["CloudApi:TimeoutSeconds"] = "15",
            ["Dispatch:StaleSendingAfterSeconds"] = "30",
        };
    }

    [Fact]
    public async Task A_run_whose_database_sessions_are_all_cut_twice_still_sends_everyone_exactly_once()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: 100);
        var phones = DispatchTestData.NewPhones(300);
        var campaignId = await app.StartCampaignAsync(account, phones);
        await WaitUntilSentAsync(campaignId, 60);

        await CutEverySessionAsync();
        await WaitUntilSentAsync(campaignId, 150);
        await CutEverySessionAsync();

        await WaitUntilSentAsync(campaignId, phones.Count);
        await ThroughOutageAsync(() => app.WaitForStatusAsync(campaignId, CampaignStatus.Completed));
        await ThroughOutageAsync(app.InboxAppliedAsync);
        var rows = new List<CampaignRecipient>();
        await ThroughOutageAsync(async () => rows = await app.RecipientsAsync(campaignId));
        rows.Should().OnlyContain(r => r.Status == RecipientStatus.Sent || r.Status == RecipientStatus.Delivered,
            "nobody is lost, failed or left unknown by a database outage");
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted.GetValueOrDefault(p) == 1, "every phone got the message exactly once");
        await ThroughOutageAsync(() => app.CountersShouldMatchRowsAsync(campaignId));
    }

    private Task WaitUntilSentAsync(int campaignId, int count) =>
        ThroughOutageAsync(() => app.WaitForRecipientsAsync(campaignId,
            r => r.Count(x => x.Status is RecipientStatus.Sent or RecipientStatus.Delivered or RecipientStatus.Read) >= count, $"{count} sent"));

    /// <summary>The test reads through the app's own connection pool, whose idle connections the cut broke too: a read
    /// that meets one is tried again (what is under test is the app's recovery, not the test's).</summary>
    private static async Task ThroughOutageAsync(Func<Task> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await read();
                return;
            }
            catch (Exception ex) when (attempt < 20 && (ex is NpgsqlException || ex.InnerException is NpgsqlException))
            {
                await Task.Delay(200);
            }
        }
    }

    private async Task CutEverySessionAsync()
    {
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(app.ConnectionString) { Database = "postgres", Pooling = false, Timeout = 60, CommandTimeout = 60 }.ConnectionString);
        await connection.OpenAsync();
        await using var cut = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", connection);
        cut.Parameters.AddWithValue("db", database);
        ((long)(await cut.ExecuteScalarAsync())!).Should().BeGreaterThan(0, "the app had sessions open");
    }
}
