using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>Something the simulated recipient's phone reports back, as a webhook.</summary>
public abstract record WebhookEvent;

/// <summary>A message status: sent, delivered, read, or failed (with its error).</summary>
public sealed record StatusEvent(string Status, SandboxError? Error = null) : WebhookEvent;

/// <summary>The recipient tapped a quick-reply button of the message.</summary>
public sealed record ButtonReplyEvent(string Payload, string Text) : WebhookEvent;

/// <summary>The recipient answered with a text, such as "STOP".</summary>
public sealed record TextReplyEvent(string Body) : WebhookEvent;

/// <summary>A webhook to post this long after the send was accepted.</summary>
public sealed record PlannedWebhook(TimeSpan After, WebhookEvent Event);

/// <summary>
/// Decides, from the configuration and <see cref="SandboxRandom"/>, what happens to each send: refused at once, or
/// accepted and then sent, delivered, read (sometimes without a delivered event, as Meta does), failed, clicked or
/// answered with STOP, and when.
/// </summary>
public sealed class SendOutcomePlanner(SandboxRandom random, IOptions<SandboxOptions> options)
{
    public const string StopKeyword = "STOP";

    private readonly SandboxOptions _options = options.Value;

    /// <summary>The error to answer the send with, or null to accept it.</summary>
    public SandboxError? ImmediateFailure(string recipientDigits)
    {
        // Longest suffix first, so "90000" can mean something else than "0000".
        foreach (var (suffix, code) in _options.RecipientFailures.OrderByDescending(r => r.Key.Length))
        {
            if (code > 0 && recipientDigits.EndsWith(suffix, StringComparison.Ordinal))
                return new SandboxError(code, $"The sandbox fails every recipient ending in {suffix}.");
        }
        return random.PickCode(_options.FailureRates) is { } drawn ? new SandboxError(drawn) : null;
    }

    /// <summary>The status and inbound webhooks of an accepted send, in time order.</summary>
    public IReadOnlyList<PlannedWebhook> Plan(ValidSend send)
    {
        var events = new List<PlannedWebhook>();
        var at = random.Delay(_options.SentDelay);
        events.Add(new PlannedWebhook(at, new StatusEvent("sent")));

        at += random.Delay(_options.DeliveredDelay);
        if (random.PickCode(_options.FailedStatusRates) is { } failure)
        {
            events.Add(new PlannedWebhook(at, new StatusEvent("failed", new SandboxError(failure))));
            return events;
        }
        if (!random.Chance(_options.DeliveredProbability))
            return events;
        var deliveredAt = at;

        if (!random.Chance(_options.ReadProbability))
        {
            events.Add(new PlannedWebhook(deliveredAt, new StatusEvent("delivered")));
            return events;
        }
        at += random.Delay(_options.ReadDelay);
        // Read at once: Meta then reports only "read".
        if (!random.Chance(_options.ReadWithoutDeliveredProbability))
            events.Add(new PlannedWebhook(deliveredAt, new StatusEvent("delivered")));
        events.Add(new PlannedWebhook(at, new StatusEvent("read")));

        var reply = PlanReply(send);
        if (reply is not null)
            events.Add(new PlannedWebhook(at + random.Delay(_options.ReplyDelay), reply));
        return events;
    }

    private WebhookEvent? PlanReply(ValidSend send)
    {
        var quickReplies = send.Template.Buttons.Where(b => b.IsQuickReply).ToList();
        if (quickReplies.Count > 0 && random.Chance(_options.ButtonClickProbability))
        {
            var button = quickReplies[random.Next(quickReplies.Count)];
            // Without a payload in the send, Meta reports the button's text as the payload.
            var payload = send.QuickReplyPayloads.GetValueOrDefault(button.Index) ?? button.Text;
            return new ButtonReplyEvent(payload, button.Text);
        }
        return random.Chance(_options.StopReplyProbability) ? new TextReplyEvent(StopKeyword) : null;
    }
}
