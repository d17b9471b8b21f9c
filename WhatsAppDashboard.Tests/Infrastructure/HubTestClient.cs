using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// A minimal SignalR client (JSON protocol over a WebSocket), because the .NET SignalR client is not in our registry.
/// It connects without negotiation, performs the handshake, invokes hub methods and keeps every server-to-client
/// invocation it receives. Enough for tests and the benchmark; not a general client (no reconnection, no streaming).
/// </summary>
public sealed class HubTestClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly List<(string Target, JsonElement Arguments)> _received = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiveLoop = Task.CompletedTask;
    private Task _pingLoop = Task.CompletedTask;
    private int _invocationId;

    private HubTestClient(WebSocket socket) => _socket = socket;

    /// <summary>Completes when the server closes the connection, with the close message's error (null for none).</summary>
    public Task<string?> Closed => _closed.Task;

    /// <summary>
    /// Connects to <paramref name="hubUrl"/> (http(s)://host/hubs/x) with the given Cookie header (null: anonymous).
    /// Throws <see cref="HubConnectException"/> with the HTTP status when the server refuses the upgrade.
    /// </summary>
    public static async Task<HubTestClient> ConnectAsync(string hubUrl, string? cookieHeader, CancellationToken ct = default)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (cookieHeader is not null)
            socket.Options.SetRequestHeader("Cookie", cookieHeader);
        var uri = new UriBuilder(hubUrl) { Scheme = hubUrl.StartsWith("https", StringComparison.Ordinal) ? "wss" : "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(uri, ct);
        }
        catch (WebSocketException ex)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HubConnectException(status, ex);
        }

        var client = new HubTestClient(socket);
        await client.HandshakeAsync(ct);
        client._receiveLoop = Task.Run(client.ReceiveLoopAsync);
        client._pingLoop = Task.Run(client.PingLoopAsync);
        return client;
    }

    /// <summary>Calls a hub method and returns its result (JSON null for none); a hub error throws <see cref="HubInvocationException"/>.</summary>
    public async Task<JsonElement> InvokeAsync(string method, params object?[] arguments)
    {
        var id = Interlocked.Increment(ref _invocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        await SendAsync(new { type = 1, invocationId = id, target = method, arguments });
        var finished = await Task.WhenAny(completion.Task, Closed);
        if (finished != completion.Task)
            throw new InvalidOperationException($"The connection closed before {method} completed: {await Closed}");
        return await completion.Task;
    }

    public async Task<T> InvokeAsync<T>(string method, params object?[] arguments) =>
        (await InvokeAsync(method, arguments)).Deserialize<T>(JsonSerializerOptions.Web)!;

    /// <summary>The first argument of every <paramref name="target"/> call received so far, in order.</summary>
    public IReadOnlyList<JsonElement> Received(string target)
    {
        lock (_received)
            return _received.Where(r => r.Target == target).Select(r => r.Arguments[0]).ToList();
    }

    /// <summary>
    /// Polls until a <paramref name="target"/> call whose first argument satisfies <paramref name="match"/> has arrived.
    /// The time limit (generous) only stops a broken server from hanging the suite.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string target, Func<JsonElement, bool> match, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var found = Received(target).Where(match).ToList();
            if (found.Count > 0)
                return found[0];
            if (Closed.IsCompleted)
                throw new InvalidOperationException($"The connection closed while waiting for {what}: {await Closed}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No {target} call with {what}; received: " + string.Join(" | ", Received(target)));
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Already gone.
            }
        }
        await Task.WhenAll(_receiveLoop, _pingLoop).ContinueWith(_ => { }, TaskScheduler.Default);
        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task HandshakeAsync(CancellationToken ct)
    {
        await SendRawAsync("""{"protocol":"json","version":1}""" + RecordSeparator, ct);
        var (messages, _) = await ReadMessagesAsync(new StringBuilder(), ct);
        var answer = JsonDocument.Parse(messages.Single()).RootElement;
        if (answer.TryGetProperty("error", out var error))
            throw new InvalidOperationException("The hub refused the handshake: " + error.GetString());
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var (messages, closed) = await ReadMessagesAsync(buffer, _stop.Token);
                foreach (var message in messages)
                    Dispatch(JsonDocument.Parse(message).RootElement.Clone());
                if (closed)
                {
                    _closed.TrySetResult("the server closed the socket");
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or JsonException)
        {
            _closed.TrySetResult(ex.Message);
        }
        finally
        {
            _closed.TrySetResult(null);
        }
    }

    private void Dispatch(JsonElement message)
    {
        switch (message.GetProperty("type").GetInt32())
        {
            case 1: // invocation from the server
                lock (_received)
                    _received.Add((message.GetProperty("target").GetString()!, message.GetProperty("arguments").Clone()));
                break;
            case 3: // completion of one of ours
                if (_pending.TryRemove(message.GetProperty("invocationId").GetString()!, out var completion))
                {
                    if (message.TryGetProperty("error", out var error))
                        completion.TrySetException(new HubInvocationException(error.GetString() ?? "error"));
                    else
                        completion.TrySetResult(message.TryGetProperty("result", out var result) ? result.Clone() : default);
                }
                break;
            case 7: // close
                _closed.TrySetResult(message.TryGetProperty("error", out var reason) ? reason.GetString() : null);
                break;
        }
    }

    /// <summary>Reads frames until at least one whole message (ended by the record separator) is in; keeps the rest.</summary>
    private async Task<(List<string> Messages, bool Closed)> ReadMessagesAsync(StringBuilder buffer, CancellationToken ct)
    {
        var bytes = new byte[16 * 1024];
        var frame = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(bytes, ct);
            if (result.MessageType == WebSocketMessageType.Close)
                return (Split(buffer), true);
            frame.Write(bytes, 0, result.Count);
            if (!result.EndOfMessage)
                continue;
            buffer.Append(Encoding.UTF8.GetString(frame.GetBuffer(), 0, (int)frame.Length));
            frame.SetLength(0);
            var messages = Split(buffer);
            if (messages.Count > 0)
                return (messages, false);
        }
    }

    private static List<string> Split(StringBuilder buffer)
    {
        var text = buffer.ToString();
        var end = text.LastIndexOf(RecordSeparator);
        if (end < 0)
            return [];
        buffer.Remove(0, end + 1);
        return text[..end].Split(RecordSeparator).ToList();
    }

    private async Task PingLoopAsync()
    {
        // The server drops a client it has not heard from for 30 s.
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(PingInterval, _stop.Token);
                await SendAsync(new { type = 6 });
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private Task SendAsync(object message) => SendRawAsync(JsonSerializer.Serialize(message, JsonSerializerOptions.Web) + RecordSeparator, _stop.Token);

    private async Task SendRawAsync(string text, CancellationToken ct)
    {
        await _sendGate.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _sendGate.Release();
        }
    }
}

/// <summary>A hub method answered with an error (a <c>HubException</c>'s message on the server).</summary>
public sealed class HubInvocationException(string message) : Exception(message);

/// <summary>The server refused the WebSocket upgrade, with this HTTP status.</summary>
public sealed class HubConnectException(HttpStatusCode status, Exception inner)
    : Exception($"The hub refused the connection with HTTP {(int)status}.", inner)
{
    public HttpStatusCode Status { get; } = status;
}

public static class HubTestClients
{
    /// <summary>Signs a new user of <paramref name="role"/> in over HTTP and returns the Cookie header its browser would send.</summary>
    public static async Task<string> SignedInCookieAsync(this KestrelAppFactory app, string role)
    {
        var user = await app.CreateUserAsync(role);
        var cookies = new CookieContainer();
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies })
        {
            BaseAddress = new Uri(app.BaseUrl),
        };
        var response = await client.SignInAsync(user.Email, user.Password);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, "the sign-in of {0} should succeed", user.Email);
        return cookies.GetCookieHeader(new Uri(app.BaseUrl));
    }

    /// <summary>A hub client on <paramref name="app"/>'s <paramref name="hubPath"/>, signed in with <paramref name="cookieHeader"/>.</summary>
    public static Task<HubTestClient> ConnectHubAsync(this KestrelAppFactory app, string hubPath, string? cookieHeader) =>
        HubTestClient.ConnectAsync(app.BaseUrl + hubPath, cookieHeader);
}
