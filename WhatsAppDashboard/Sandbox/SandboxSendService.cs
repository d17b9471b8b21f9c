using System.Text.Json;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>What the simulated send endpoint answers: the new wamid, or an error.</summary>
public sealed record SendResult(string? MessageId, string? Input, string? WaId, SandboxError? Error);

/// <summary>
/// The simulated <c>POST /{phone-number-id}/messages</c>, without HTTP: throughput cap, Meta's checks, forced and
/// random failures, then acceptance, counting, and the webhooks scheduled for later.
/// </summary>
public sealed class SandboxSendService(
    SandboxTemplateCatalogue catalogue,
    SendOutcomePlanner planner,
    ThroughputLimiter throughput,
    WebhookOutbox outbox,
    WebhookTarget webhookTarget,
    SandboxStats stats,
    IOptions<SandboxOptions> options,
    TimeProvider clock,
    ILogger<SandboxSendService> logger)
{
    private readonly SandboxOptions _options = options.Value;
    private long _webhooksRefused;

    public SendResult Send(string phoneNumberId, string body)
    {
        var now = clock.GetUtcNow();
        if (!throughput.TryAcquire(phoneNumberId, _options.ThroughputPerSecond))
        {
            return Refuse(now, phoneNumberId, body, new SandboxError(130429,
                $"Phone number {phoneNumberId} may send {_options.ThroughputPerSecond} messages per second (Sandbox:ThroughputPerSecond)."));
        }

        ValidSend send;
        try
        {
            using var document = JsonDocument.Parse(body);
            var check = SendRequestValidator.Check(document.RootElement, catalogue);
            if (check.Error is { } invalid)
                return Refuse(now, phoneNumberId, body, invalid);
            send = check.Send!;
        }
        catch (JsonException)
        {
            return Refuse(now, phoneNumberId, body, new SandboxError(100, "The request body is not valid JSON."));
        }

        if (planner.ImmediateFailure(send.RecipientDigits) is { } failure)
            return Refuse(now, phoneNumberId, body, failure);

        var messageId = SandboxIds.NewMessageId(send.RecipientDigits);
        stats.Accepted(send.RecipientDigits);
        stats.Received(new ReceivedRequest(now, phoneNumberId, body, null, messageId));
        if (webhookTarget.SendsWebhooks)
            ScheduleWebhooks(now, phoneNumberId, messageId, send);
        return new SendResult(messageId, send.To, send.RecipientDigits, null);
    }

    private void ScheduleWebhooks(DateTimeOffset acceptedAt, string phoneNumberId, string messageId, ValidSend send)
    {
        var context = new WebhookContext(
            _options.WabaIdFor(phoneNumberId),
            phoneNumberId,
            _options.DisplayNumberFor(phoneNumberId),
            messageId,
            send.RecipientDigits,
            send.CallbackData,
            (string?)send.Template.Json["category"] ?? "MARKETING");
        foreach (var planned in planner.Plan(send))
        {
            if (outbox.TryEnqueue(new ScheduledWebhook(acceptedAt + planned.After, planned.Event, context)))
                continue;
            stats.WebhookDropped();
            // One line per thousand, not one per webhook, when the outbox is full.
            if (Interlocked.Increment(ref _webhooksRefused) % 1000 == 1)
            {
                logger.LogWarning("Sandbox webhook outbox is full (Sandbox:MaxPendingWebhooks = {Max}); {Count} webhook(s) dropped so far.",
                    _options.MaxPendingWebhooks, Interlocked.Read(ref _webhooksRefused));
            }
        }
    }

    private SendResult Refuse(DateTimeOffset now, string phoneNumberId, string body, SandboxError error)
    {
        stats.Rejected(error.Code);
        stats.Received(new ReceivedRequest(now, phoneNumberId, body, error.Code, null));
        return new SendResult(null, null, null, error);
    }
}
