using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>One webhook as it arrived: the exact body bytes and the signature header.</summary>
public sealed record ReceivedWebhook(byte[] RawBody, string? Signature)
{
    public JsonElement Json => JsonDocument.Parse(RawBody).RootElement;

    /// <summary>The first change's <c>value</c> object.</summary>
    public JsonElement Value => Json.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value");

    public JsonElement? Status => Value.TryGetProperty("statuses", out var s) ? s[0] : null;
    public JsonElement? Message => Value.TryGetProperty("messages", out var m) ? m[0] : null;

    public override string ToString() => Encoding.UTF8.GetString(RawBody);
}

/// <summary>A tiny web server on a free loopback port that records every webhook posted to <see cref="Url"/>.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly List<ReceivedWebhook> _received = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private WebApplication? _app;

    public string Url { get; private set; } = "";

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            lock (_received)
                _received.Add(new ReceivedWebhook(body.ToArray(), request.Headers["X-Hub-Signature-256"].FirstOrDefault()));
            _arrived.Release();
            return Results.Ok();
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = address.TrimEnd('/') + "/hook";
    }

    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_received)
                return _received.ToList();
        }
    }

    /// <summary>Waits until the webhooks received so far satisfy <paramref name="done"/> (at most 15 s) and returns them.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitUntilAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!done(Received))
        {
            try
            {
                await _arrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException(
                    $"Waited in vain for {what}. Received:\n{string.Join("\n", Received.Select(r => r.ToString()))}");
            }
        }
        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
