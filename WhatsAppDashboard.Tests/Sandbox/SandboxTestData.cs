using Microsoft.Extensions.Options;
using WhatsAppDashboard.Sandbox;

namespace WhatsAppDashboard.Tests.Sandbox;

/// <summary>Sandbox pieces built by hand for unit tests.</summary>
internal static class SandboxTestData
{
    public static readonly SandboxTemplateCatalogue Catalogue = new(Options.Create(new SandboxOptions()));

    public static SandboxTemplate Template(string name) => Catalogue.Find(name, "en_US")!;

    /// <summary>Options with nothing random: every chance 0, no failures, no delays.</summary>
    public static SandboxOptions Certain(Action<SandboxOptions>? change = null)
    {
        var options = new SandboxOptions
        {
            FailureRates = [],
            FailedStatusRates = [],
            RecipientFailures = [],
            SentDelay = new SandboxDelay(),
            DeliveredDelay = new SandboxDelay { MeanMs = 1000 },
            ReadDelay = new SandboxDelay { MeanMs = 2000 },
            ReplyDelay = new SandboxDelay { MeanMs = 3000 },
            DeliveredProbability = 0,
            ReadProbability = 0,
            ReadWithoutDeliveredProbability = 0,
            ButtonClickProbability = 0,
            StopReplyProbability = 0,
        };
        change?.Invoke(options);
        return options;
    }

    public static ValidSend Send(string template, IReadOnlyDictionary<int, string>? payloads = null) =>
        new("+4915112345678", "4915112345678", Template(template), "recipient-1", payloads ?? new Dictionary<int, string>());
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
