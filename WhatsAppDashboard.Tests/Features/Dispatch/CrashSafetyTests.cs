using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>
/// Never sending twice when instances die or run side by side. The fixture owns the database and the sandbox (with
/// Meta's throughput cap at 50/s) but dispatches nothing itself; each test starts dispatching instances of its own
/// on the same database.
/// </summary>
public sealed class CrashSafetyTests(CrashSafetyTests.Factory app) : IClassFixture<CrashSafetyTests.Factory>
{
    private const int SandboxCap = 50;
    private const int AccountThroughput = 45;

    public sealed class Factory : DispatchAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            ["Dispatch:Enabled"] = "false",
            ["Sandbox:ThroughputPerSecond"] = SandboxCap.ToString(),
            ["Sandbox:Latency:MeanMs"] = "2",
            ["Sandbox:Latency:JitterMs"] = "2",
        };
    }

    [Fact]
    public async Task A_stale_sending_row_becomes_unknown_is_never_resent_and_retry_unknown_sends_exactly_those()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: AccountThroughput);
        var phones = DispatchTestData.NewPhones(30);
        var campaignId = await app.StartCampaignAsync(account, phones);
        // A dispatcher died while these three were in flight ten minutes ago.
        var stale = phones.Take(3).ToArray();
        await app.ExecuteAsync(
            "UPDATE campaign_recipients SET status = 'Sending', attempts = 1, sending_at = now() - interval '10 minutes' WHERE campaign_id = @id AND phone = ANY(@phones)",
            ("id", campaignId), ("phones", stale));

        await using var host = new DispatchHost(app.ConnectionString, "stale-host");
        await host.StartAsync();
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        var rows = (await app.RecipientsAsync(campaignId)).ToDictionary(r => r.Phone);
        stale.Should().OnlyContain(p => rows[p].Status == RecipientStatus.Unknown && rows[p].ErrorMessage!.Contains("Retry unknown"));
        var accepted = await app.AcceptedByPhoneAsync();
        stale.Should().OnlyContain(p => !accepted.ContainsKey(p), "a send that may have left is never repeated on its own");
        phones.Skip(3).Should().OnlyContain(p => accepted[p] == 1);
        var completed = await app.CampaignAsync(campaignId);
        (completed.SentCount, completed.FailedCount).Should().Be((27, 0), "unknown is not counted as sent or failed");
        await app.CountersShouldMatchRowsAsync(campaignId);

        var retry = await app.ControlAsync(c => c.RetryUnknownAsync(campaignId, "tester"));
        retry.Succeeded.Should().BeTrue(retry.Message);
        retry.Recipients.Should().Be(3);
        await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted[p] == 1, "retry unknown sent exactly the three, once");
        (await app.RecipientsAsync(campaignId)).Should().OnlyContain(r => r.Status == RecipientStatus.Sent);
        await app.CountersShouldMatchRowsAsync(campaignId);
    }

    [Fact]
    public async Task After_an_instance_dies_mid_run_another_one_completes_the_campaign_without_a_duplicate()
    {
        var account = await app.CreateSandboxAccountAsync(throughput: AccountThroughput);
        var phones = DispatchTestData.NewPhones(200);
        var crash = new CrashSwitch();
        await using var doomed = new DispatchHost(app.ConnectionString, "doomed-host", wrapCloudApi: inner => new CrashingCloudApi(inner, crash));
        await using var survivor = new DispatchHost(app.ConnectionString, "survivor-host");
        try
        {
            await doomed.StartAsync();
            var campaignId = await app.StartCampaignAsync(account, phones);
            await app.WaitForRecipientsAsync(campaignId, r => r.Count(x => x.Status == RecipientStatus.Sent) >= 40, "40 sent");

            // The process freezes: requests that reached Meta never come back, then its database sessions die.
            crash.Crash();
            await crash.WaitForHungAsync();
            await KillSessionsAsync("doomed-host");

            await survivor.StartAsync();
            await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

            var rows = await app.RecipientsAsync(campaignId);
            var accepted = await app.AcceptedByPhoneAsync();
            phones.Should().OnlyContain(p => accepted.GetValueOrDefault(p) <= 1, "no phone may get the message twice");
            var unknown = rows.Where(r => r.Status == RecipientStatus.Unknown).ToList();
            unknown.Should().NotBeEmpty().And.HaveCountLessThanOrEqualTo(crash.Hung);
            unknown.Should().OnlyContain(r => accepted.GetValueOrDefault(r.Phone) == 1, "they reached Meta before the crash, and were not sent again");
            rows.Where(r => r.Status != RecipientStatus.Unknown).Should().OnlyContain(r => r.Status == RecipientStatus.Sent && accepted[r.Phone] == 1);
            await app.CountersShouldMatchRowsAsync(campaignId);
        }
        finally
        {
            crash.Release();
        }
    }

    [Fact]
    public async Task Two_instances_dispatching_at_once_never_both_send_for_one_account()
    {
        var first = await app.CreateSandboxAccountAsync(throughput: AccountThroughput);
        var second = await app.CreateSandboxAccountAsync(throughput: AccountThroughput);
        var phonesOfFirst = DispatchTestData.NewPhones(100);
        var phonesOfSecond = DispatchTestData.NewPhones(100);
        var refusedBefore = await app.RejectedAsync(SendDecisions.ThroughputLimitCode);
        await using var a = new DispatchHost(app.ConnectionString, "twin-a");
        await using var b = new DispatchHost(app.ConnectionString, "twin-b");
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        var campaigns = new[]
        {
            await app.StartCampaignAsync(first, phonesOfFirst),
            await app.StartCampaignAsync(second, phonesOfSecond),
        };
        foreach (var campaignId in campaigns)
            await app.WaitForStatusAsync(campaignId, CampaignStatus.Completed);

        var accepted = await app.AcceptedByPhoneAsync();
        phonesOfFirst.Concat(phonesOfSecond).Should().OnlyContain(p => accepted[p] == 1);
        // Each account sends at 45/s against Meta's 50/s: had two instances sent for one account at once, Meta
        // would have answered 130429.
        (await app.RejectedAsync(SendDecisions.ThroughputLimitCode)).Should().Be(refusedBefore, "the account's throughput held across both instances");
        foreach (var campaignId in campaigns)
            await app.CountersShouldMatchRowsAsync(campaignId);
        var sends = new[] { a, b }.SelectMany(h => h.Services.GetRequiredService<DispatchMonitor>().All).GroupBy(s => s.AccountId)
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Sends));
        sends[first.AccountId].Should().Be(100);
        sends[second.AccountId].Should().Be(100);
    }

    private async Task KillSessionsAsync(string applicationName)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @name AND pid <> pg_backend_pid()", connection);
        kill.Parameters.AddWithValue("name", applicationName);
        (await kill.ExecuteScalarAsync()).Should().NotBe(0L, "the dying instance had sessions open");
    }

    /// <summary>Once crashed, every send still reaches the sandbox but its answer never comes back (until released).</summary>
    private sealed class CrashSwitch
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstHung = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _hung;

        public bool Crashed { get; private set; }
        public int Hung => Volatile.Read(ref _hung);

        public void Crash() => Crashed = true;

        public void Release() => _release.TrySetResult();

        public Task WaitForHungAsync() => _firstHung.Task.WaitAsync(TimeSpan.FromSeconds(30));

        public async Task HangAsync()
        {
            Interlocked.Increment(ref _hung);
            _firstHung.TrySetResult();
            await _release.Task;
            throw new HttpRequestException("The process was gone.");
        }
    }

    private sealed class CrashingCloudApi(ICloudApiClient inner, CrashSwitch crash) : ICloudApiClient
    {
        public async Task<CloudApiResult<SendAccepted>> SendTemplateAsync(CloudApiTarget target, TemplateMessage message, CancellationToken ct)
        {
            var result = await inner.SendTemplateAsync(target, message, ct);
            if (crash.Crashed)
                await crash.HangAsync();
            return result;
        }

        public Task<CloudApiResult<IReadOnlyList<RemoteTemplate>>> ListTemplatesAsync(CloudApiTarget target, CancellationToken ct) =>
            inner.ListTemplatesAsync(target, ct);

        public Task<CloudApiResult<PhoneNumberInfo>> GetPhoneNumberAsync(CloudApiTarget target, CancellationToken ct) =>
            inner.GetPhoneNumberAsync(target, ct);
    }
}
