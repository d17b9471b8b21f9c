using System.Collections.Concurrent;
using System.Text.Json;

namespace WhatsAppDashboard.Sandbox;

/// <summary>One send request as the sandbox received it, with what it answered.</summary>
public sealed record ReceivedRequest(DateTimeOffset ReceivedAt, string PhoneNumberId, string Body, int? ErrorCode, string? MessageId);

/// <summary>
/// What the sandbox accepted, per recipient: tests and benchmarks use it to prove nothing was sent twice.
/// Also counts refusals by code, webhook outcomes, and keeps the last few request bodies.
/// </summary>
public sealed class SandboxStats(int recentRequestsKept)
{
    private readonly ConcurrentDictionary<string, int> _acceptedByRecipient = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> _rejectedByCode = new();
    private readonly Queue<ReceivedRequest> _recent = new();
    private readonly Lock _recentLock = new();
    private long _accepted;
    private long _webhooksDelivered;
    private long _webhookAttemptsFailed;
    private long _webhooksDropped;

    public void Accepted(string recipientDigits)
    {
        Interlocked.Increment(ref _accepted);
        _acceptedByRecipient.AddOrUpdate(recipientDigits, 1, (_, count) => count + 1);
    }

    public void Rejected(int code) => _rejectedByCode.AddOrUpdate(code, 1, (_, count) => count + 1);

    public void Received(ReceivedRequest request)
    {
        if (recentRequestsKept == 0)
            return;
        lock (_recentLock)
        {
            _recent.Enqueue(request);
            while (_recent.Count > recentRequestsKept)
                _recent.Dequeue();
        }
    }

    public void WebhookDelivered() => Interlocked.Increment(ref _webhooksDelivered);
    public void WebhookAttemptFailed() => Interlocked.Increment(ref _webhookAttemptsFailed);
    public void WebhookDropped() => Interlocked.Increment(ref _webhooksDropped);

    public void Reset()
    {
        _acceptedByRecipient.Clear();
        _rejectedByCode.Clear();
        lock (_recentLock)
            _recent.Clear();
        Interlocked.Exchange(ref _accepted, 0);
        Interlocked.Exchange(ref _webhooksDelivered, 0);
        Interlocked.Exchange(ref _webhookAttemptsFailed, 0);
        Interlocked.Exchange(ref _webhooksDropped, 0);
    }

    /// <param name="webhooksPending">Webhooks scheduled or waiting for a retry right now.</param>
    public SandboxStatsSnapshot Snapshot(long webhooksPending)
    {
        List<ReceivedRequest> recent;
        lock (_recentLock)
            recent = [.. _recent];
        var byRecipient = new SortedDictionary<string, int>(_acceptedByRecipient, StringComparer.Ordinal);
        return new SandboxStatsSnapshot(
            Interlocked.Read(ref _accepted),
            _rejectedByCode.Values.Sum(),
            byRecipient.Count,
            byRecipient.Count(r => r.Value > 1),
            byRecipient,
            new SortedDictionary<string, long>(_rejectedByCode.ToDictionary(r => r.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), r => r.Value)),
            new WebhookCounts(webhooksPending, Interlocked.Read(ref _webhooksDelivered), Interlocked.Read(ref _webhookAttemptsFailed), Interlocked.Read(ref _webhooksDropped)),
            recent.Select(r => new RecentRequest(r.ReceivedAt, r.PhoneNumberId, r.ErrorCode, r.MessageId, ParseOrString(r.Body))).ToList());
    }

    private static JsonElement ParseOrString(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(body);
        }
    }
}

/// <summary>The JSON of <c>GET /sandbox/stats</c>.</summary>
public sealed record SandboxStatsSnapshot(
    long Accepted,
    long Rejected,
    int Recipients,
    int RecipientsWithMoreThanOne,
    IReadOnlyDictionary<string, int> AcceptedByRecipient,
    IReadOnlyDictionary<string, long> RejectedByCode,
    WebhookCounts Webhooks,
    IReadOnlyList<RecentRequest> RecentRequests);

public sealed record WebhookCounts(long Pending, long Delivered, long FailedAttempts, long Dropped);

public sealed record RecentRequest(DateTimeOffset ReceivedAt, string PhoneNumberId, int? ErrorCode, string? MessageId, JsonElement Body);
