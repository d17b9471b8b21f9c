using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>Applies stored webhooks in arrival order, a batch at a time, until none is left, then waits for the next one.</summary>
public sealed class WebhookInboxWorker(
    WebhookApplier applier, WebhookInboxSignal signal, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookInboxWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.PollIntervalMilliseconds);
        var gather = TimeSpan.FromMilliseconds(options.Value.GatherMilliseconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                int applied;
                try
                {
                    applied = await applier.ApplyBatchAsync(options.Value.BatchSize, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The database is unreachable or similar: the entry stays stored and is tried again later.
                    logger.LogError(ex, "Applying stored webhooks failed; retrying shortly.");
                    applied = 0;
                }
                if (applied == 0)
                    await signal.WaitAsync(poll, stoppingToken);
                else if (applied < options.Value.BatchSize && gather > TimeSpan.Zero)
                {
                    // Webhooks are arriving, but slower than a full batch: let a few more gather first. Fewer, larger
                    // batches lock each campaign row (which the result writer needs too) less often.
                    await Task.Delay(gather, clock, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: unapplied webhooks stay in the inbox for the next start.
        }
    }
}
