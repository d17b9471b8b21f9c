namespace WhatsAppDashboard.Features.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";
    /// <summary>How often the worker looks for stored webhooks when nothing woke it.</summary>
    public int PollIntervalMilliseconds { get; set; } = 1000;
    /// <summary>Tries before a webhook that cannot be applied is left alone (kept, with its error).</summary>
    public int MaxAttempts { get; set; } = 5;
    /// <summary>Stored webhooks applied per transaction (one round trip for all their statements).</summary>
    public int BatchSize { get; set; } = 200;
}

public static class WebhooksSetup
{
    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.PollIntervalMilliseconds > 0 && o.MaxAttempts > 0 && o.BatchSize > 0,
                "Webhooks:PollIntervalMilliseconds, Webhooks:MaxAttempts and Webhooks:BatchSize must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<WebhookInboxSignal>();
        builder.Services.AddSingleton<WebhookApplier>();
        builder.Services.AddHostedService<WebhookInboxWorker>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app) => app.MapWebhookEndpoints();
}

/// <summary>Wakes the worker when a webhook has been stored, so it is applied without waiting for the next poll.</summary>
public sealed class WebhookInboxSignal
{
    private readonly SemaphoreSlim _stored = new(0, 1);

    public void Notify()
    {
        try
        {
            _stored.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the worker will look anyway.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _stored.WaitAsync(timeout, ct);
}
