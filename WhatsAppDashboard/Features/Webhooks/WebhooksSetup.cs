namespace WhatsAppDashboard.Features.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";
    /// <summary>How often the worker looks for stored webhooks when nothing woke it.</summary>
    public int PollIntervalMilliseconds { get; set; } = 1000;
    /// <summary>Tries before a webhook that cannot be applied is left alone (kept, with its error).</summary>
    public int MaxAttempts { get; set; } = 5;
    /// <summary>How long a status for a message id not stored yet waits before it is tried again (each wait counts as an
    /// attempt, so it is given up after <see cref="MaxAttempts"/>).</summary>
    public double UnknownMessageRetrySeconds { get; set; } = 3;
    /// <summary>Replies that opt a contact out when they are the whole message (case-insensitive, surrounding
    /// punctuation ignored). When not configured, <see cref="DefaultStopKeywords"/> apply.</summary>
    public List<string>? StopKeywords { get; set; }

    /// <summary>Opt-out words in the languages our users' audiences speak most.</summary>
    public static readonly IReadOnlyList<string> DefaultStopKeywords =
    [
        "STOP", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "STOPP", "ARRET", "ARRÊT", "PARAR", "BAJA", "ALTO", "CANCELAR",
        "DESCADASTRAR", "SAIR", "ABMELDEN", "HALT", "ANNULLA", "DISISCRIVI", "AFMELDEN", "UITSCHRIJVEN",
    ];

    /// <summary>The keywords in force: the configured list when there is one, else the defaults.</summary>
    public IReadOnlySet<string> EffectiveStopKeywords() =>
        new HashSet<string>((StopKeywords is { Count: > 0 } ? StopKeywords : DefaultStopKeywords)
            .Select(k => k.Trim()).Where(k => k.Length > 0), StringComparer.OrdinalIgnoreCase);
    /// <summary>How long the receiver trusts the account that last verified webhooks for the same number without reading
    /// the accounts again (0: read them for every webhook). A secret replaced on another instance is noticed within it.</summary>
    public double SignerCacheSeconds { get; set; } = 10;
    /// <summary>After a batch smaller than <see cref="BatchSize"/>, how long the worker lets more webhooks gather before
    /// the next one (0: at once). Part of the delay before a counter shows a status, within the one-second goal.</summary>
    public int GatherMilliseconds { get; set; } = 100;
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
            .Validate(o => o.UnknownMessageRetrySeconds > 0, "Webhooks:UnknownMessageRetrySeconds must be positive.")
            .Validate(o => o.SignerCacheSeconds is >= 0 and <= 3600, "Webhooks:SignerCacheSeconds must be from 0 to 3600.")
            .Validate(o => o.GatherMilliseconds is >= 0 and <= 1000, "Webhooks:GatherMilliseconds must be from 0 to 1000.")
            .ValidateOnStart();
        builder.Services.AddSingleton<WebhookInboxSignal>();
        builder.Services.AddSingleton<WebhookApplier>();
        builder.Services.AddSingleton<WebhookSigners>();
        builder.Services.AddSingleton<WebhookInboxWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebhookInboxWriter>());
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
