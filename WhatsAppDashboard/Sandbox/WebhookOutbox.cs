using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>A webhook waiting for its time; <see cref="Body"/> is kept once built, so a retry sends the same bytes.</summary>
public sealed record ScheduledWebhook(DateTimeOffset DueAt, WebhookEvent Event, WebhookContext Context)
{
    /// <summary>The number of the next attempt, from 1.</summary>
    public int Attempt { get; init; } = 1;
    public byte[]? Body { get; init; }
}

/// <summary>
/// The hand-off from a send to the webhook sender: never blocks the send; when <c>Sandbox:MaxPendingWebhooks</c>
/// webhooks are already waiting (scheduled or retrying), a new one is refused and the caller drops it.
/// </summary>
public sealed class WebhookOutbox
{
    private readonly Channel<ScheduledWebhook> _channel;
    private readonly int _capacity;
    private long _pending;

    public WebhookOutbox(IOptions<SandboxOptions> options)
    {
        _capacity = options.Value.MaxPendingWebhooks;
        _channel = Channel.CreateBounded<ScheduledWebhook>(new BoundedChannelOptions(_capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite only: a full channel refuses instead of waiting
        });
    }

    /// <summary>Webhooks accepted and not yet delivered or dropped.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public ChannelReader<ScheduledWebhook> Reader => _channel.Reader;

    public bool TryEnqueue(ScheduledWebhook webhook)
    {
        if (Interlocked.Increment(ref _pending) > _capacity || !_channel.Writer.TryWrite(webhook))
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }
        return true;
    }

    /// <summary>Puts a webhook back for another attempt; it is still counted as pending.</summary>
    public bool TryRequeue(ScheduledWebhook webhook)
    {
        if (_channel.Writer.TryWrite(webhook))
            return true;
        Interlocked.Decrement(ref _pending);
        return false;
    }

    /// <summary>A webhook was delivered or given up.</summary>
    public void Done() => Interlocked.Decrement(ref _pending);
}
