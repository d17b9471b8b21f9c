using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>
/// Posts the sandbox's webhooks when they fall due, signed like Meta's, a few at a time. A failed post is retried
/// with growing pauses (<c>Sandbox:WebhookAttempts</c> tries in all) and then dropped with a log line.
/// </summary>
public sealed class WebhookSender(
    WebhookOutbox outbox,
    WebhookTarget target,
    IHttpClientFactory httpClients,
    SandboxStats stats,
    IOptions<SandboxOptions> options,
    TimeProvider clock,
    IHostEnvironment environment,
    ILogger<WebhookSender> logger) : BackgroundService
{
    public const string HttpClientName = "Sandbox.Webhooks";

    private readonly SandboxOptions _options = options.Value;
    private int _noTargetLogged;
    private long _givenUp;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
            return;
        if (!environment.IsDevelopment() && _options.AccessToken == new SandboxOptions().AccessToken)
        {
            logger.LogWarning("The sandbox Cloud API is enabled with its default access token: anyone who can reach this app can " +
                "use {Path} and read /sandbox/stats. Set Sandbox:Enabled to false where no sandbox is wanted, or give it a token of its own.",
                SandboxEndpoints.GraphPrefix);
        }
        var due = new PriorityQueue<ScheduledWebhook, DateTimeOffset>();
        // Not disposed: deliveries still finishing during shutdown release their slot after this method returns.
        var slots = new SemaphoreSlim(_options.WebhookConcurrency);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                while (outbox.Reader.TryRead(out var incoming))
                    due.Enqueue(incoming, incoming.DueAt);

                if (due.Count == 0)
                {
                    await outbox.Reader.WaitToReadAsync(stoppingToken);
                    continue;
                }
                var wait = due.Peek().DueAt - clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await WaitForDueOrNewAsync(wait, stoppingToken);
                    continue;
                }

                var next = due.Dequeue();
                await slots.WaitAsync(stoppingToken);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await DeliverAsync(next, stoppingToken);
                    }
                    catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                    {
                        logger.LogError(ex, "Sandbox webhook for message {MessageId} dropped.", next.Context.MessageId);
                        Drop();
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: webhooks still scheduled are lost with the process; the simulator keeps no state.
        }
    }

    /// <summary>Sleeps until the earliest webhook is due, or until a new one arrives (it may be due sooner).</summary>
    private async Task WaitForDueOrNewAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var arrival = outbox.Reader.WaitToReadAsync(wake.Token).AsTask();
        var timer = Task.Delay(wait, clock, wake.Token);
        await Task.WhenAny(arrival, timer);
        await wake.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    private async Task DeliverAsync(ScheduledWebhook webhook, CancellationToken stoppingToken)
    {
        var url = target.Resolve();
        if (url is null)
        {
            if (Interlocked.Exchange(ref _noTargetLogged, 1) == 0)
                logger.LogWarning("Sandbox webhooks are dropped: the app's listening address is unknown and Sandbox:WebhookUrl is not set.");
            Drop();
            return;
        }

        var body = webhook.Body ?? Encoding.UTF8.GetBytes(
            WebhookPayloads.Build(webhook.Event, webhook.Context, webhook.DueAt, SandboxIds.NewMessageId(webhook.Context.RecipientDigits)).ToJsonString());
        string failure;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add(WebhookPayloads.SignatureHeader, WebhookPayloads.Sign(body, _options.AppSecret));
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                stats.WebhookDelivered();
                outbox.Done();
                return;
            }
            failure = $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !stoppingToken.IsCancellationRequested))
        {
            failure = ex is OperationCanceledException ? "timed out" : ex.Message;
        }

        stats.WebhookAttemptFailed();
        if (webhook.Attempt < _options.WebhookAttempts)
        {
            var retry = webhook with { Attempt = webhook.Attempt + 1, Body = body, DueAt = clock.GetUtcNow() + Backoff(webhook.Attempt) };
            if (outbox.TryRequeue(retry))
                return;
            stats.WebhookDropped();
            return;
        }
        // When the target is down every webhook ends here: one warning per thousand, the rest at debug level.
        var level = Interlocked.Increment(ref _givenUp) % 1000 == 1 ? LogLevel.Warning : LogLevel.Debug;
        logger.Log(level, "Sandbox webhook ({Event}) for message {MessageId} dropped after {Attempts} attempts to {Url}: {Failure} ({Count} dropped so far)",
            Describe(webhook.Event), webhook.Context.MessageId, webhook.Attempt, url, failure, Interlocked.Read(ref _givenUp));
        Drop();
    }

    private void Drop()
    {
        stats.WebhookDropped();
        outbox.Done();
    }

    /// <summary>1 s, 2 s, 4 s, … at most 30 s.</summary>
    private static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt - 1)));

    private static string Describe(WebhookEvent webhookEvent) => webhookEvent switch
    {
        StatusEvent s => s.Status,
        ButtonReplyEvent => "button reply",
        TextReplyEvent => "text reply",
        _ => "event",
    };
}
