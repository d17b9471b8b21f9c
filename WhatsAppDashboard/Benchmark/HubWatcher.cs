using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WhatsAppDashboard.Benchmark;

/// <summary>
/// A minimal SignalR client (JSON protocol over a WebSocket, as a browser tab of the campaign page would use), signed in
/// through the login form. It watches one campaign and keeps when each <c>progress</c> snapshot arrived and what it said.
/// </summary>
public sealed partial class HubWatcher : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(DateTimeOffset At, long Delivered, long Read, long Sent)> _snapshots = [];
    private Task _receiving = Task.CompletedTask;
    private Task _pinging = Task.CompletedTask;

    /// <summary>Snapshots in arrival order: when (this machine's clock) and the counters they showed.</summary>
    public IReadOnlyList<(DateTimeOffset At, long Delivered, long Read, long Sent)> Snapshots
    {
        get
        {
            lock (_snapshots)
                return _snapshots.ToList();
        }
    }

    public static async Task<HubWatcher> ConnectAsync(string appUrl, string email, string password, int campaignId, CancellationToken ct)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(appUrl) };

        var login = await http.GetStringAsync("/account/login", ct);
        var token = AntiforgeryField().Match(login) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException("The login page has no antiforgery token.");
        using var signIn = await http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }), ct);
        if (signIn.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Signing in for the hub failed ({(int)signIn.StatusCode}).");

        using var negotiate = await http.PostAsync("/hubs/campaigns/negotiate?negotiateVersion=1", null, ct);
        negotiate.EnsureSuccessStatusCode();
        using var negotiated = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync(ct));
        var connectionToken = negotiated.RootElement.GetProperty("connectionToken").GetString();

        var watcher = new HubWatcher();
        watcher._socket.Options.Cookies = cookies;
        var ws = new UriBuilder(appUrl) { Scheme = "ws", Path = "/hubs/campaigns", Query = "id=" + Uri.EscapeDataString(connectionToken!) }.Uri;
        await watcher._socket.ConnectAsync(ws, ct);
        await watcher.SendAsync("""{"protocol":"json","version":1}""", ct);
        var handshake = await watcher.ReceiveMessagesAsync(ct);
        if (handshake.Count == 0 || handshake[0].Contains("\"error\"", StringComparison.Ordinal))
            throw new InvalidOperationException("The hub refused the handshake: " + string.Join(" ", handshake));
        await watcher.SendAsync($$"""{"type":1,"invocationId":"1","target":"WatchCampaign","arguments":[{{campaignId}}]}""", ct);
        watcher._receiving = watcher.ReceiveLoopAsync();
        watcher._pinging = watcher.PingLoopAsync();
        return watcher;
    }

    private Task SendAsync(string message, CancellationToken ct) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(message + RecordSeparator), WebSocketMessageType.Text, true, ct);

    private readonly StringBuilder _pending = new();

    /// <summary>Reads one WebSocket message and returns the complete SignalR messages it finished.</summary>
    private async Task<List<string>> ReceiveMessagesAsync(CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        WebSocketReceiveResult result;
        var bytes = new List<byte>();
        do
        {
            result = await _socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
                return [];
            bytes.AddRange(buffer.AsSpan(0, result.Count).ToArray());
        }
        while (!result.EndOfMessage);
        _pending.Append(Encoding.UTF8.GetString(bytes.ToArray()));
        var text = _pending.ToString();
        var last = text.LastIndexOf(RecordSeparator);
        if (last < 0)
            return [];
        _pending.Clear().Append(text[(last + 1)..]);
        return text[..last].Split(RecordSeparator).ToList();
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var messages = await ReceiveMessagesAsync(_stop.Token);
                var at = DateTimeOffset.UtcNow;
                foreach (var message in messages)
                {
                    using var document = JsonDocument.Parse(message);
                    var root = document.RootElement;
                    var type = root.GetProperty("type").GetInt32();
                    JsonElement snapshot;
                    if (type == 1 && root.GetProperty("target").GetString() == "progress")
                        snapshot = root.GetProperty("arguments")[0];
                    else if (type == 3 && root.TryGetProperty("result", out var result))
                        snapshot = result;
                    else
                        continue;
                    lock (_snapshots)
                        _snapshots.Add((at, snapshot.GetProperty("deliveredCount").GetInt64(), snapshot.GetProperty("readCount").GetInt64(),
                            snapshot.GetProperty("sentCount").GetInt64()));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or JsonException)
        {
            // Stopped, or the app went away (the crash scenario): what arrived so far is kept.
        }
    }

    /// <summary>The server drops a client it has not heard from for 30 s.</summary>
    private async Task PingLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), _stop.Token);
                await SendAsync("""{"type":6}""", _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopped or disconnected.
        }
    }

    /// <summary>
    /// Counter lag: for the i-th delivered status the app received (<paramref name="receivedAt"/>, in arrival order),
    /// the time until a snapshot first showed at least i delivered. Statuses no snapshot reached are left out.
    /// </summary>
    public static double? LagPercentileMs(IReadOnlyList<DateTimeOffset> receivedAt, IReadOnlyList<(DateTimeOffset At, long Delivered, long Read, long Sent)> snapshots, double percentile)
    {
        var lags = new List<double>();
        var s = 0;
        for (var i = 0; i < receivedAt.Count; i++)
        {
            while (s < snapshots.Count && snapshots[s].Delivered < i + 1)
                s++;
            if (s >= snapshots.Count)
                break;
            lags.Add(Math.Max(0, (snapshots[s].At - receivedAt[i]).TotalMilliseconds));
        }
        if (lags.Count == 0)
            return null;
        lags.Sort();
        return lags[(int)Math.Min(lags.Count - 1, Math.Ceiling(percentile * lags.Count) - 1)];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_receiving, _pinging).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Best effort.
        }
        _socket.Dispose();
        _stop.Dispose();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
