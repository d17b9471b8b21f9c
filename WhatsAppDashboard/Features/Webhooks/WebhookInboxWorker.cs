using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>Applies stored webhooks in arrival order, a batch at a time, until none is left, then waits for the next one.</summary>
public sealed class WebhookInboxWorker(
    WebhookApplier applier, WebhookInboxSignal signal, IOptions<WebhookOptions> options, ILogger<WebhookInboxWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.PollIntervalMilliseconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                bool appliedOne;
                try
                {
                    appliedOne = await applier.ApplyBatchAsync(options.Value.BatchSize, stoppingToken) > 0;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The database is unreachable or similar: the entry stays stored and is tried again later.
                    logger.LogError(ex, "Applying stored webhooks failed; retrying shortly.");
                    appliedOne = false;
                }
                if (!appliedOne)
                    await signal.WaitAsync(poll, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: unapplied webhooks stay in the inbox for the next start.
        }
    }
}
