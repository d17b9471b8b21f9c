using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// Stores received webhooks in the inbox for the receiver, several requests per statement: the bodies that arrive
/// while one insert is running go together into the next one, so under load a commit (and its disk flush) serves
/// many of Meta's requests, and when Meta sends one at a time each is written at once. A request is answered only
/// after its own row is committed.
/// </summary>
public sealed class WebhookInboxWriter(DispatchDatabase database, WebhookInboxSignal signal, ILogger<WebhookInboxWriter> logger) : BackgroundService
{
    /// <summary>Bodies per insert at most (Meta's bodies are a few kilobytes each).</summary>
    private const int MaxBatch = 256;

    private sealed record Pending(int AccountId, DateTimeOffset ReceivedAt, string Payload, TaskCompletionSource Stored);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Completes once the body is committed to the inbox; throws when it could not be stored (Meta then gets
    /// an error and sends it again later).</summary>
    public Task StoreAsync(int accountId, DateTimeOffset receivedAt, string payload, CancellationToken ct)
    {
        var pending = new Pending(accountId, receivedAt, payload, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
            throw new InvalidOperationException("The application is stopping; the webhook was not stored.");
        // The row is written even if the request is aborted meanwhile: storing it twice is harmless, losing it is not.
        return pending.Stored.Task.WaitAsync(ct);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        // Bodies already accepted are written before the worker ends.
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            await InsertAsync(batch);
            foreach (var pending in batch)
                pending.Stored.TrySetResult();
        }
        catch (PostgresException) when (batch.Count > 1)
        {
            // One body the database refuses must not fail the others: each is stored on its own.
            foreach (var pending in batch)
            {
                try
                {
                    await InsertAsync([pending]);
                    pending.Stored.TrySetResult();
                }
                catch (Exception ex)
                {
                    pending.Stored.TrySetException(ex);
                }
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Storing {Count} received webhook(s) failed; Meta will send them again.", batch.Count);
            foreach (var pending in batch)
                pending.Stored.TrySetException(ex);
            return;
        }
        signal.Notify();
    }

    private async Task InsertAsync(IReadOnlyList<Pending> batch)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var insert = connection.Command(
            """
            INSERT INTO webhook_inbox (account_id, received_at, payload, attempts)
            SELECT b.account_id, b.received_at, b.payload::jsonb, 0
            FROM unnest(@accounts, @received_at, @payloads) AS b(account_id, received_at, payload)
            """)
            .With("accounts", NpgsqlDbType.Array | NpgsqlDbType.Integer, batch.Select(p => p.AccountId).ToArray())
            .With("received_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, batch.Select(p => p.ReceivedAt).ToArray())
            .With("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text, batch.Select(p => p.Payload).ToArray());
        await insert.ExecuteNonQueryAsync();
    }
}
