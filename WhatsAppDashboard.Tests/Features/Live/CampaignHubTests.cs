using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Live;
using WhatsAppDashboard.Tests.Features.Dispatch;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Live;

/// <summary>The campaign hub against a real database: who may connect, what a watcher receives and how often.</summary>
public sealed class CampaignHubTests(LiveAppFactory app, ITestOutputHelper output) : IClassFixture<LiveAppFactory>
{
    private const string Progress = CampaignHub.ProgressMethod;

    private static bool Is(JsonElement snapshot, int id) => snapshot.GetProperty("id").GetInt32() == id;

    [Fact]
    public async Task An_anonymous_client_is_refused_with_401()
    {
        using var http = app.CreateHttpClient();
        var negotiate = await http.PostAsync(CampaignHub.Path + "/negotiate?negotiateVersion=1", null);
        negotiate.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var refused = await FluentActions.Awaiting(() => app.ConnectHubAsync(CampaignHub.Path, cookieHeader: null))
            .Should().ThrowAsync<HubConnectException>();
        refused.Which.Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Watching_a_campaign_that_does_not_exist_is_refused_with_a_clear_message()
    {
        await using var client = await app.ConnectAsync(await app.SignedInCookieAsync(Roles.Viewer));

        var refusal = await FluentActions.Awaiting(() => client.InvokeAsync("WatchCampaign", 987_654))
            .Should().ThrowAsync<HubInvocationException>();
        refusal.Which.Message.Should().Contain("Campaign 987654 does not exist");
    }

    [Fact]
    public async Task A_viewer_watching_a_campaign_gets_its_snapshot_and_every_committed_change()
    {
        var id = await app.AddCampaignAsync("Watched by a viewer", CampaignStatus.Running, total: 10);
        await app.SqlAsync("UPDATE campaigns SET sent_count = 3, failed_count = 1, delivered_count = 2 WHERE id = @id", ("id", id));
        await using var client = await app.ConnectAsync(await app.SignedInCookieAsync(Roles.Viewer));

        var first = await client.InvokeAsync("WatchCampaign", id);
        // The contract other parts rely on: camelCase names, the status as the API spells it.
        first.GetProperty("status").GetString().Should().Be("running");
        (first.GetProperty("totalCount").GetInt32(), first.GetProperty("sentCount").GetInt32(), first.GetProperty("failedCount").GetInt32(),
            first.GetProperty("deliveredCount").GetInt32(), first.GetProperty("pendingCount").GetInt32(), first.GetProperty("progressPercent").GetInt32())
            .Should().Be((10, 3, 1, 2, 6, 40));
        first.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Should().BeEquivalentTo("pause", "cancel", "retryFailed");
        foreach (var field in new[] { "readCount", "skippedCount", "unknownCount", "repliedCount", "buttonClickCount", "ratePerSecond", "etaSeconds", "startedAt", "completedAt", "lastError" })
            first.TryGetProperty(field, out _).Should().BeTrue("the snapshot carries {0}", field);

        // A change committed by anyone (here plain SQL) reaches the watcher through NOTIFY, the notifier and the hub.
        await app.SqlAsync("UPDATE campaigns SET sent_count = 9, failed_count = 1, status = 'Completed', completed_at = now() WHERE id = @id", ("id", id));
        var pushed = await client.WaitForAsync(Progress, s => Is(s, id) && s.GetProperty("status").GetString() == "completed", "the completed status");
        (pushed.GetProperty("sentCount").GetInt32(), pushed.GetProperty("pendingCount").GetInt32(), pushed.GetProperty("progressPercent").GetInt32())
            .Should().Be((9, 0, 100));
        pushed.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Should().BeEquivalentTo("retryFailed", "delete");
    }

    [Fact]
    public async Task A_burst_of_a_thousand_counter_updates_arrives_as_a_few_pushes_ending_with_the_final_values()
    {
        var id = await app.AddCampaignAsync("Burst", CampaignStatus.Running, total: 1000);
        await using var client = await app.ConnectAsync(await app.SignedInCookieAsync(Roles.Marketer));
        await client.InvokeAsync("WatchCampaign", id);

        // A thousand separate commits, as a dispatcher writing one result at a time would make.
        var clock = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand("UPDATE campaigns SET sent_count = sent_count + 1 WHERE id = @id", connection);
            update.Parameters.AddWithValue("id", id);
            for (var i = 0; i < 1000; i++)
                await update.ExecuteNonQueryAsync();
        }
        await client.WaitForAsync(Progress, s => Is(s, id) && s.GetProperty("sentCount").GetInt32() == 1000, "all 1,000 sent");
        var elapsed = clock.Elapsed;

        var pushes = client.Received(Progress).Where(s => Is(s, id)).ToList();
        pushes.Last().GetProperty("sentCount").GetInt32().Should().Be(1000, "the last push carries the final count");
        pushes.Select(s => s.GetProperty("sentCount").GetInt32()).Should().BeInAscendingOrder("pushes never go back in time");
        // The throttle's promise, whatever the machine's speed: at most MaxPushesPerSecond, plus the first (immediate) one.
        var allowed = (int)Math.Ceiling(elapsed.TotalSeconds * LiveAppFactory.PushesPerSecond) + 1;
        pushes.Count.Should().BeLessThanOrEqualTo(allowed, "{0} updates over {1:0.0} s may give at most {2} pushes", 1000, elapsed.TotalSeconds, allowed);
        pushes.Count.Should().BeLessThan(1000 / 4, "updates are coalesced, not forwarded one by one");
        output.WriteLine($"1,000 committed updates in {elapsed.TotalSeconds:0.0} s reached the watcher as {pushes.Count} pushes.");
    }

    [Fact]
    public async Task Changes_of_campaigns_nobody_watches_cost_no_pushes()
    {
        var watched = await app.AddCampaignAsync("Watched", CampaignStatus.Running, total: 5);
        var unwatched = await app.AddCampaignAsync("Nobody looks", CampaignStatus.Running, total: 50);
        // Clients of earlier tests may still be leaving; a list watcher among them would receive every campaign.
        await WaitUntilAsync(() => app.Notifier.ListWatcherCount == 0, "no list watchers are left");
        await using var client = await app.ConnectAsync(await app.SignedInCookieAsync(Roles.Viewer));
        await client.InvokeAsync("WatchCampaign", watched);
        var pushesBefore = app.Notifier.Pushes;

        for (var i = 1; i <= 20; i++)
            await app.SqlAsync("UPDATE campaigns SET sent_count = @n WHERE id = @id", ("n", i), ("id", unwatched));
        // Notifications arrive in commit order: once this one is pushed, the twenty before it have been seen.
        await app.SqlAsync("UPDATE campaigns SET sent_count = 5 WHERE id = @id", ("id", watched));
        await client.WaitForAsync(Progress, s => Is(s, watched) && s.GetProperty("sentCount").GetInt32() == 5, "the watched campaign's change");

        (app.Notifier.Pushes - pushesBefore).Should().Be(client.Received(Progress).Count, "only the watched campaign was pushed");
        client.Received(Progress).Should().OnlyContain(s => Is(s, watched));
    }

    [Fact]
    public async Task The_list_watcher_gets_every_campaign_and_an_unwatched_campaign_stops_arriving()
    {
        var first = await app.AddCampaignAsync("List one", CampaignStatus.Running, total: 4);
        var second = await app.AddCampaignAsync("List two", CampaignStatus.Scheduled);
        await using var client = await app.ConnectAsync(await app.SignedInCookieAsync(Roles.Viewer));
        await client.InvokeAsync("WatchList");

        var snapshots = await client.InvokeAsync<List<CampaignSnapshotView>>("GetSnapshots", new[] { first, second, 999_999 });
        snapshots.Select(s => (s.Id, s.Status)).Should().BeEquivalentTo([(first, "running"), (second, "scheduled")]);

        await app.SqlAsync("UPDATE campaigns SET status = 'Cancelled', completed_at = now() WHERE id = @id", ("id", second));
        await client.WaitForAsync(Progress, s => Is(s, second) && s.GetProperty("status").GetString() == "cancelled", "the second campaign cancelled");
        await app.SqlAsync("UPDATE campaigns SET sent_count = 4 WHERE id = @id", ("id", first));
        await client.WaitForAsync(Progress, s => Is(s, first) && s.GetProperty("sentCount").GetInt32() == 4, "the first campaign's count");
    }

    [Fact]
    public async Task A_change_made_through_one_instance_reaches_a_client_of_another()
    {
        var id = await app.AddCampaignAsync("Seen across instances", CampaignStatus.Running, total: 3);
        await using var other = new SecondInstance(app.ConnectionString);
        await other.InitializeAsync();
        await using var client = await other.ConnectHubAsync(CampaignHub.Path, await app.SignedInCookieAsync(Roles.Viewer));
        (await client.InvokeAsync("WatchCampaign", id)).GetProperty("status").GetString().Should().Be("running");

        // Paused through instance A's own service; the client is connected to instance B.
        var paused = await app.ControlAsync(control => control.PauseAsync(id, "tester@test.example"));
        paused.Succeeded.Should().BeTrue(paused.Message);

        var pushed = await client.WaitForAsync(Progress, s => Is(s, id) && s.GetProperty("status").GetString() == "paused", "the pause made on the other instance");
        pushed.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Should().Contain("resume").And.NotContain("pause");
    }

    [Fact]
    public async Task After_its_database_connection_is_killed_the_listener_reconnects_and_nothing_is_missed()
    {
        var id = await app.AddCampaignAsync("Survives a dropped connection", CampaignStatus.Running, total: 100);
        await using var client = await app.ConnectAsync(await app.SignedInCookieAsync(Roles.Viewer));
        await client.InvokeAsync("WatchCampaign", id);
        var listener = app.Services.GetRequiredService<CampaignChangeListener>();
        await WaitUntilAsync(() => listener.IsListening, "the listener is connected");

        await TerminateListenerAsync();
        // Changed right away, most likely while nobody listens: the reconnect must still bring it.
        await app.SqlAsync("UPDATE campaigns SET sent_count = 42 WHERE id = @id", ("id", id));
        await client.WaitForAsync(Progress, s => Is(s, id) && s.GetProperty("sentCount").GetInt32() == 42, "the change made while reconnecting");

        await WaitUntilAsync(() => listener.IsListening, "the listener is connected again");
        await app.SqlAsync("UPDATE campaigns SET sent_count = 43 WHERE id = @id", ("id", id));
        await client.WaitForAsync(Progress, s => Is(s, id) && s.GetProperty("sentCount").GetInt32() == 43, "a change after the reconnect");
    }

    private async Task TerminateListenerAsync()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = @name",
            connection);
        kill.Parameters.AddWithValue("name", CampaignChangeListener.ApplicationName);
        ((long)(await kill.ExecuteScalarAsync())!).Should().BeGreaterThanOrEqualTo(1, "this instance listens on a connection of its own");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Never happened: " + what);
            await Task.Delay(20);
        }
    }

    private sealed record CampaignSnapshotView(int Id, string Status);
}
