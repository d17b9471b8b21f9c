using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace WhatsAppDashboard.Benchmark;

/// <summary>
/// One benchmark run: a fresh database, a generated CSV imported through the contacts import, the simulator and the
/// dashboard as two child processes of this binary, a campaign sent at the account's throughput, an optional crash,
/// database restart or webhook storm, then a replay of status webhooks; it measures from outside and checks the
/// outcome (duplicates at the simulator, recipients left open, counters against rows).
/// </summary>
public sealed class BenchRunner(BenchOptions options, string serverConnectionString, TextWriter progress)
{
    public const string AccessToken = "bench-access-token";
    public const string AppSecret = "bench-app-secret";
    private const string WatcherEmail = "watcher@bench.example";
    private readonly string _watcherPassword = "Bench-" + Guid.NewGuid().ToString("N");

    private readonly string _workDirectory = Directory.CreateTempSubdirectory("wad-bench-").FullName;
    private readonly List<ChildProcess> _appGenerations = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private string _connectionString = "";
    private int _appPort;
    private int _simulatorPort;
    private ChildProcess? _app;
    private ChildProcess? _simulator;

    public string WorkDirectory => _workDirectory;

    public async Task<BenchResult> RunAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        ct = timeout.Token;
        var total = Stopwatch.StartNew();
        var createdDatabase = options.DatabaseConnectionString is null;
        _connectionString = options.DatabaseConnectionString ?? await CreateDatabaseAsync(ct);
        try
        {
            return await RunInDatabaseAsync(total, ct);
        }
        finally
        {
            foreach (var child in _appGenerations)
                await child.DisposeAsync();
            if (_simulator is not null)
                await _simulator.DisposeAsync();
            if (createdDatabase && !options.KeepDatabase)
                await DropDatabaseAsync();
        }
    }

    private async Task<BenchResult> RunInDatabaseAsync(Stopwatch total, CancellationToken ct)
    {
        _appPort = ChildProcess.FreePort();
        _simulatorPort = ChildProcess.FreePort();
        var csv = Path.Combine(_workDirectory, "recipients.csv");
        Say($"Writing {options.Recipients:N0} recipients to {csv}");
        await WriteCsvAsync(csv, options.Recipients, ct);

        Say("Migrating, importing the CSV, creating and starting the campaign");
        var prepared = JsonSerializer.Deserialize<BenchSetupCommand.PrepareResult>(await ChildProcess.RunAsync(
            ["bench-setup", "--prepare", csv, "--simulator-url", SimulatorUrl, "--mps", options.Mps.ToString(CultureInfo.InvariantCulture),
             "--access-token", AccessToken, "--app-secret", AppSecret, "--user-email", WatcherEmail, "--user-password", _watcherPassword],
            AppEnvironment(), Path.Combine(_workDirectory, "setup.log"), ct))!;
        var importRowsPerSec = prepared.Rows / prepared.ImportSeconds;
        Say($"Imported {prepared.Imported:N0} of {prepared.Rows:N0} rows in {prepared.ImportSeconds:N1} s ({importRowsPerSec:N0} rows/s)");

        _simulator = ChildProcess.Start(["simulator", "--urls", SimulatorUrl, "--webhook-url", AppUrl + "/webhooks/whatsapp"],
            SimulatorEnvironment(), Path.Combine(_workDirectory, "simulator.log"));
        StartApp();
        await WaitForAsync(SimulatorUrl + "/sandbox/stats", _simulator, ct);
        await WaitForAsync(AppUrl + "/health", _app!, ct);

        HubWatcher? watcher = null;
        try
        {
            watcher = await HubWatcher.ConnectAsync(AppUrl, WatcherEmail, _watcherPassword, prepared.CampaignId, ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or System.Net.WebSockets.WebSocketException or JsonException or KeyNotFoundException)
        {
            Say("Counter lag not measured: the campaign hub could not be watched (" + ex.Message + ")");
        }
        long? inFlightAtKill;
        double? counterLagP95 = null;
        try
        {
            inFlightAtKill = await SendAsync(prepared.CampaignId, prepared.ToSend, ct);
        }
        finally
        {
            if (watcher is not null)
                await watcher.DisposeAsync();
        }
        if (watcher is not null)
            counterLagP95 = HubWatcher.LagPercentileMs(await DeliveredReceivedAtAsync(ct), watcher.Snapshots, 0.95);
        var sending = await MeasureSendingAsync(prepared.CampaignId, ct);
        var cpu = _appGenerations.Aggregate(TimeSpan.Zero, (sum, child) => sum + child.CpuTime);

        var replay = await ReplayAsync(prepared.CampaignId, ct);
        var stats = await SimulatorStatsAsync(ct);
        var check = await CheckAsync(prepared.CampaignId, ct);
        foreach (var child in _appGenerations)
            child.Sample();

        return new BenchResult
        {
            Scenario = options.Scenario switch
            {
                BenchScenario.Crash => "crash",
                BenchScenario.DbRestart => "db-restart",
                BenchScenario.WebhookStorm => "webhook-storm",
                _ => "none",
            },
            Recipients = options.Recipients,
            ImportRowsPerSec = Math.Round(importRowsPerSec),
            TargetMps = options.Mps,
            DispatchMps = Math.Round(sending.Mps, 1),
            Efficiency = Math.Round(sending.Mps / options.Mps, 3),
            SendLatencyP50Ms = Math.Round(sending.P50Ms, 1),
            SendLatencyP99Ms = Math.Round(sending.P99Ms, 1),
            WebhookEventsAppliedPerSec = Math.Round(replay.EventsPerSecond),
            CounterLagP95Ms = counterLagP95 is { } lag ? Math.Round(lag, 1) : null,
            PeakRssMb = Math.Round(_appGenerations.Max(c => c.PeakRssBytes) / 1024.0 / 1024.0, 1),
            CpuMsPer1000Messages = sending.Sends == 0 ? 0 : Math.Round(cpu.TotalMilliseconds / sending.Sends * 1000, 1),
            Duplicates = stats.GetProperty("recipientsWithMoreThanOne").GetInt64(),
            Lost = check.Open,
            Unknown = check.Unknown,
            CountersConsistent = check.CountersMatchRows,
            InFlightAtKill = inFlightAtKill,
            StormPosts = replay.Storm ? replay.Posts : null,
            StormInvalidSent = replay.Storm ? replay.InvalidSent : null,
            StormInvalidRejected = replay.Storm ? replay.InvalidRejected : null,
            StormCountersExact = replay.Storm ? check.AllReplayedRead && replay.ValidAccepted == replay.Posts - replay.InvalidSent : null,
            Sends = sending.Sends,
            WebhookEventsReplayed = replay.Events,
            ElapsedSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
            LoadAverage = LoadAverage(),
        };
    }

    private string AppUrl => $"http://127.0.0.1:{_appPort}";
    private string SimulatorUrl => $"http://127.0.0.1:{_simulatorPort}";

    // ---- Child processes -------------------------------------------------------------------------------------------

    private Dictionary<string, string?> AppEnvironment()
    {
        var crash = options.Scenario == BenchScenario.Crash;
        return new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Default"] = _connectionString,
            ["Database__MigrateOnStartup"] = "false",
            ["Bootstrap__CreateFirstAdmin"] = "false",
            ["Sandbox__Enabled"] = "false",
            ["Sandbox__SeedDemoData"] = "false",
            ["Csv__MaxFileSizeMb"] = "1000",
            ["Csv__UploadDirectory"] = Path.Combine(_workDirectory, "uploads"),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            // After a crash the dead instance's 'sending' rows must be declared unknown within the run; the time-out
            // stays below that, so a request still in flight is never taken for lost.
            ["CloudApi__TimeoutSeconds"] = crash ? "5" : null,
            ["Dispatch__StaleSendingAfterSeconds"] = crash ? "10" : null,
            ["Dispatch__ReconcileIntervalSeconds"] = crash ? "2" : null,
        };
    }

    private Dictionary<string, string?> SimulatorEnvironment() => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Sandbox__AccessToken"] = AccessToken,
        ["Sandbox__AppSecret"] = AppSecret,
        ["Sandbox__FallbackWabaId"] = BenchSetupCommand.WabaId,
        ["Sandbox__RandomSeed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        ["Sandbox__ThroughputPerSecond"] = options.Mps.ToString(CultureInfo.InvariantCulture),
        ["Sandbox__Latency__MeanMs"] = options.LatencyMs.ToString(CultureInfo.InvariantCulture),
        ["Sandbox__Latency__JitterMs"] = (options.LatencyMs / 5).ToString(CultureInfo.InvariantCulture),
        // Quick statuses so a run ends soon after its last send; no reads, so the replay's reads all change something.
        ["Sandbox__SentDelay__MeanMs"] = "100",
        ["Sandbox__DeliveredDelay__MeanMs"] = "300",
        ["Sandbox__DeliveredDelay__JitterMs"] = "100",
        ["Sandbox__ReadProbability"] = "0",
        ["Sandbox__ReadWithoutDeliveredProbability"] = "0",
        ["Sandbox__MaxPendingWebhooks"] = "2000000",
        ["Sandbox__WebhookAttempts"] = "6",
        ["Sandbox__RecentRequestsKept"] = "10",
    };

    private void StartApp()
    {
        _app = ChildProcess.Start(["--urls", AppUrl], AppEnvironment(), Path.Combine(_workDirectory, $"app-{_appGenerations.Count + 1}.log"));
        _appGenerations.Add(_app);
    }

    private async Task WaitForAsync(string url, ChildProcess process, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"A child process ended at start; see {process.LogPath}: {string.Join(" | ", process.RecentOutput(5))}");
            try
            {
                using var response = await _http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"{url} did not answer within 2 minutes; see {process.LogPath}.");
            await Task.Delay(100, ct);
        }
    }

    // ---- Sending ---------------------------------------------------------------------------------------------------

    /// <summary>Waits for every recipient to be answered and every webhook applied, disrupting the run on the way
    /// when the scenario asks; returns the recipients in flight at a crash.</summary>
    private async Task<long?> SendAsync(int campaignId, int toSend, CancellationToken ct)
    {
        var random = new Random(options.Seed);
        var disruptAt = options.Scenario is BenchScenario.Crash or BenchScenario.DbRestart
            ? (long)(toSend * (options.DisruptAt ?? 0.2 + random.NextDouble() * 0.5))
            : long.MaxValue;
        long? inFlightAtKill = null;
        var bar = new ProgressBar(progress, options.Progress, toSend);
        var settledPolls = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            _app!.Sample();
            var (status, answered) = await CampaignProgressAsync(campaignId, ct);
            bar.Show(answered, status);
            if (answered >= disruptAt)
            {
                disruptAt = long.MaxValue;
                inFlightAtKill = await DisruptAsync(ct);
                bar.Note(inFlightAtKill is { } n ? $"killed the app with {n} recipient(s) in flight; restarted" : "database restarted");
            }
            if (status is "Completed" or "Failed" or "Cancelled" or "Paused" && await WebhooksSettledAsync(ct))
            {
                if (++settledPolls >= 2)
                    break;
            }
            else
            {
                settledPolls = 0;
            }
            await Task.Delay(500, ct);
        }
        bar.Done();
        return inFlightAtKill;
    }

    private async Task<long?> DisruptAsync(CancellationToken ct)
    {
        if (options.Scenario == BenchScenario.Crash)
        {
            await _app!.KillHardAsync();
            var inFlight = await ScalarAsync("SELECT count(*) FROM campaign_recipients WHERE status = 'Sending'", ct);
            StartApp();
            await WaitForAsync(AppUrl + "/health", _app!, ct);
            return inFlight;
        }
        if (options.DisruptDatabase is { } disrupt)
        {
            await disrupt(_connectionString);
        }
        else
        {
            var restart = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", options.DbRestartCommand } })!;
            await restart.WaitForExitAsync(ct);
            if (restart.ExitCode != 0)
                throw new InvalidOperationException($"'{options.DbRestartCommand}' failed with exit code {restart.ExitCode}.");
        }
        NpgsqlConnection.ClearAllPools();
        return null;
    }

    private async Task<(string Status, long Answered)> CampaignProgressAsync(int campaignId, CancellationToken ct)
    {
        try
        {
            await using var connection = await OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT status, sent_count + failed_count FROM campaigns WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", campaignId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetString(0), reader.GetInt32(1));
        }
        catch (NpgsqlException)
        {
            // The database is restarting (that scenario) or briefly busy: try again at the next poll.
            NpgsqlConnection.ClearAllPools();
            return ("Restarting", 0);
        }
    }

    private async Task<bool> WebhooksSettledAsync(CancellationToken ct)
    {
        var stats = await SimulatorStatsAsync(ct);
        if (stats.GetProperty("webhooks").GetProperty("pending").GetInt64() > 0)
            return false;
        return await ScalarAsync("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL AND attempts < 5", ct) == 0;
    }

    /// <summary>When the app received each delivered status, in arrival order (the order the inbox applies them).</summary>
    private async Task<List<DateTimeOffset>> DeliveredReceivedAtAsync(CancellationToken ct)
    {
        var times = new List<DateTimeOffset>();
        await using var connection = await OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT i.received_at FROM webhook_inbox i,
                 jsonb_array_elements(i.payload -> 'entry') e, jsonb_array_elements(e -> 'changes') c,
                 jsonb_array_elements(coalesce(c -> 'value' -> 'statuses', '[]')) s
            WHERE s ->> 'status' = 'delivered'
            ORDER BY i.id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            times.Add(reader.GetFieldValue<DateTimeOffset>(0));
        return times;
    }

    private async Task<JsonElement> SimulatorStatsAsync(CancellationToken ct) =>
        await _http.GetFromJsonAsync<JsonElement>(SimulatorUrl + "/sandbox/stats", ct);

    private sealed record SendingFigures(long Sends, double Mps, double P50Ms, double P99Ms);

    /// <summary>The pace of the run from its rows: answers between the first claim and the last answer recorded.</summary>
    private async Task<SendingFigures> MeasureSendingAsync(int campaignId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*),
                   extract(epoch FROM max(coalesce(sent_at, failed_at)) - min(sending_at)),
                   coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - sending_at)) FILTER (WHERE sent_at IS NOT NULL), 0),
                   coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - sending_at)) FILTER (WHERE sent_at IS NOT NULL), 0)
            FROM campaign_recipients
            WHERE campaign_id = @id AND sending_at IS NOT NULL AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)
            """, connection);
        command.Parameters.AddWithValue("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var sends = reader.GetInt64(0);
        var seconds = reader.IsDBNull(1) ? 0 : Convert.ToDouble(reader.GetValue(1), CultureInfo.InvariantCulture);
        return new SendingFigures(sends, seconds > 0 ? sends / seconds : 0, reader.GetDouble(2) * 1000, reader.GetDouble(3) * 1000);
    }

    // ---- Webhook replay --------------------------------------------------------------------------------------------

    private sealed record ReplayFigures(long Events, double EventsPerSecond, bool Storm, long Posts, long InvalidSent, long InvalidRejected, long ValidAccepted);

    /// <summary>
    /// Posts a <c>read</c> status for the run's accepted messages into the app as fast as it takes them (signed like
    /// Meta's), and times until the inbox has applied them all. In the storm, every status goes three times, shuffled,
    /// with a copy under a wrong signature for one in ten.
    /// </summary>
    private async Task<ReplayFigures> ReplayAsync(int campaignId, CancellationToken ct)
    {
        var messages = new List<(long Id, string MessageId, string Phone)>();
        await using (var connection = await OpenAsync(ct))
        await using (var command = new NpgsqlCommand(
            "SELECT id, message_id, phone FROM campaign_recipients WHERE campaign_id = @id AND message_id IS NOT NULL AND status IN ('Sent', 'Delivered') ORDER BY id LIMIT @limit",
            connection))
        {
            command.Parameters.AddWithValue("id", campaignId);
            command.Parameters.AddWithValue("limit", (long)(options.WebhookReplay ?? int.MaxValue));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                messages.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }
        if (messages.Count == 0)
            return new ReplayFigures(0, 0, false, 0, 0, 0, 0);

        var storm = options.Scenario == BenchScenario.WebhookStorm;
        var random = new Random(options.Seed);
        var bodies = new List<(byte[] Body, bool Valid)>();
        foreach (var chunk in messages.Chunk(options.WebhookBatch))
        {
            var body = WebhookReplayPayloads.ReadStatuses(chunk.Select(m => (m.MessageId, m.Phone.TrimStart('+'), m.Id)), BenchSetupCommand.PhoneNumberId, BenchSetupCommand.WabaId);
            var copies = storm ? 3 : 1;
            for (var i = 0; i < copies; i++)
                bodies.Add((body, true));
            if (storm && random.Next(10) == 0)
                bodies.Add((body, false));
        }
        if (storm)
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bodies));

        Say($"Replaying {bodies.Count:N0} webhook post(s) with {messages.Count:N0} read status(es)");
        var stopwatch = Stopwatch.StartNew();
        long next = -1, invalidRejected = 0, validAccepted = 0, unexpected = 0;
        var workers = Enumerable.Range(0, options.ReplayConcurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var index && index < bodies.Count)
            {
                var (body, valid) = bodies[(int)index];
                using var request = new HttpRequestMessage(HttpMethod.Post, AppUrl + "/webhooks/whatsapp") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.Add(Sandbox.WebhookPayloads.SignatureHeader,
                    Sandbox.WebhookPayloads.Sign(body, valid ? AppSecret : AppSecret + "-wrong"));
                using var response = await _http.SendAsync(request, ct);
                if (!valid && response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
                    Interlocked.Increment(ref invalidRejected);
                else if (valid && response.IsSuccessStatusCode)
                    Interlocked.Increment(ref validAccepted);
                else
                    Interlocked.Increment(ref unexpected);
            }
        });
        await Task.WhenAll(workers);
        while (await ScalarAsync("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL AND attempts < 5", ct) > 0)
            await Task.Delay(20, ct);
        stopwatch.Stop();
        var events = (long)messages.Count * (storm ? 3 : 1);
        if (unexpected > 0)
            Say($"{unexpected} webhook post(s) got an unexpected answer");
        return new ReplayFigures(messages.Count, events / stopwatch.Elapsed.TotalSeconds, storm, bodies.Count,
            bodies.Count(b => !b.Valid), invalidRejected, validAccepted);
    }

    // ---- Checks ----------------------------------------------------------------------------------------------------

    private sealed record Check(long Open, long Unknown, bool CountersMatchRows, bool AllReplayedRead);

    private async Task<Check> CheckAsync(int campaignId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*) FILTER (WHERE r.status IN ('Pending', 'Sending')),
                   count(*) FILTER (WHERE r.status = 'Unknown'),
                   c.total_count = count(*)
                   AND c.sent_count = count(*) FILTER (WHERE r.status IN ('Sent', 'Delivered', 'Read'))
                   AND c.delivered_count = count(*) FILTER (WHERE r.status IN ('Delivered', 'Read'))
                   AND c.read_count = count(*) FILTER (WHERE r.status = 'Read')
                   AND c.failed_count = count(*) FILTER (WHERE r.status = 'Failed')
                   AND c.skipped_count = count(*) FILTER (WHERE r.status = 'Skipped'),
                   count(*) FILTER (WHERE r.status IN ('Sent', 'Delivered')) = 0
            FROM campaigns c JOIN campaign_recipients r ON r.campaign_id = c.id
            WHERE c.id = @id
            GROUP BY c.id
            """, connection);
        command.Parameters.AddWithValue("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Check(reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2), reader.GetBoolean(3));
    }

    // ---- Database --------------------------------------------------------------------------------------------------

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await OpenAsync(ct);
                await using var command = new NpgsqlCommand(sql, connection);
                return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            }
            catch (NpgsqlException) when (attempt < 60)
            {
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(500, ct);
            }
        }
    }

    private async Task<string> CreateDatabaseAsync(CancellationToken ct)
    {
        var name = "wad_bench_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteOnServerAsync($"CREATE DATABASE {name}", ct);
        Say($"Created database {name}");
        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name, MaxPoolSize = 20 }.ConnectionString;
    }

    private async Task DropDatabaseAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(_connectionString).Database;
        try
        {
            await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CancellationToken.None);
        }
        catch (NpgsqlException ex)
        {
            Say($"Could not drop database {name}: {ex.Message}");
        }
    }

    private async Task ExecuteOnServerAsync(string sql, CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    // ---- Small things ----------------------------------------------------------------------------------------------

    /// <summary>phone,name,city with unique German mobile numbers: what a marketer's export looks like.</summary>
    public static async Task WriteCsvAsync(string path, int rows, CancellationToken ct)
    {
        await using var writer = new StreamWriter(path, false, new UTF8Encoding(false), bufferSize: 1 << 16);
        await writer.WriteLineAsync("phone,name,city");
        string[] cities = ["Berlin", "Hamburg", "München", "Köln", "Leipzig"];
        for (var i = 0; i < rows; i++)
        {
            ct.ThrowIfCancellationRequested();
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"+49151{i:D8},Person {i},{cities[i % cities.Length]}"));
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private void Say(string message)
    {
        if (options.Progress)
            progress.WriteLine(message);
    }
}
