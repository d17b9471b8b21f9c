using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// The app on Kestrel with a quiet, repeatable sandbox: no latency, no random failures, no replies, only the
/// <c>sent</c> webhook. Subclasses switch on what they test through <see cref="SandboxSettings"/>.
/// Everything the app logs is captured in <see cref="Logs"/>.
/// </summary>
public class SandboxAppFactory : KestrelAppFactory
{
    public const string GraphVersion = "v23.0";
    public const string AppSecret = "sandbox-test-app-secret";
    public const string WabaId = "300000000000001";

    private static long _ids = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 1_000_000_000;

    /// <summary>Unique per factory, so a test can prove it never reaches the logs.</summary>
    public string AccessToken { get; } = "sandbox-test-token-" + Guid.NewGuid().ToString("N");

    public LogCapture Logs { get; } = new();

    /// <summary>Sandbox (or other) settings on top of the quiet defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>();

    protected sealed override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var settings = QuietSettings(AccessToken);
            foreach (var (key, value) in SandboxSettings)
                settings[key] = value;
            return settings;
        }
    }

    /// <summary>
    /// A sandbox that does only what a test asks: no latency, no random or forced failures, no replies, nothing
    /// delivered or read (so only the "sent" webhook, tried once), a fixed random seed.
    /// </summary>
    public static Dictionary<string, string?> QuietSettings(string accessToken) =>
        new()
        {
            ["Sandbox:AccessToken"] = accessToken,
            ["Sandbox:AppSecret"] = AppSecret,
            ["Sandbox:FallbackWabaId"] = WabaId,
            ["Sandbox:RandomSeed"] = "20261121",
            ["Sandbox:Latency:MeanMs"] = "0",
            ["Sandbox:Latency:JitterMs"] = "0",
            ["Sandbox:SentDelay:MeanMs"] = "0",
            ["Sandbox:SentDelay:JitterMs"] = "0",
            ["Sandbox:DeliveredDelay:MeanMs"] = "20",
            ["Sandbox:DeliveredDelay:JitterMs"] = "0",
            ["Sandbox:ReadDelay:MeanMs"] = "20",
            ["Sandbox:ReadDelay:JitterMs"] = "0",
            ["Sandbox:ReplyDelay:MeanMs"] = "20",
            ["Sandbox:ReplyDelay:JitterMs"] = "0",
            ["Sandbox:FailureRates:131026"] = "0",
            ["Sandbox:FailureRates:131049"] = "0",
            ["Sandbox:FailureRates:131050"] = "0",
            ["Sandbox:FailedStatusRates:131026"] = "0",
            ["Sandbox:FailedStatusRates:131049"] = "0",
            ["Sandbox:RecipientFailures:00000"] = "0",
            ["Sandbox:DeliveredProbability"] = "0",
            ["Sandbox:ReadProbability"] = "0",
            ["Sandbox:ButtonClickProbability"] = "0",
            ["Sandbox:StopReplyProbability"] = "0",
            ["Sandbox:WebhookAttempts"] = "1",
        };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        Logs.AttachTo(builder);
    }

    /// <summary>The Cloud API client exactly as the app registers it.</summary>
    public ICloudApiClient CloudApi => Services.GetRequiredService<ICloudApiClient>();

    /// <summary>A target on this app's sandbox; a fresh phone-number id unless one is given, so throughput caps do not mix.</summary>
    public CloudApiTarget Target(string? phoneNumberId = null, string? accessToken = null) =>
        new(BaseUrl + "/sandbox/graph", GraphVersion, phoneNumberId ?? NewPhoneNumberId(), WabaId, accessToken ?? AccessToken);

    public static string NewPhoneNumberId() => "1" + Interlocked.Increment(ref _ids).ToString("D14");

    /// <summary>A fresh E.164 number (13 digits), ending in <paramref name="suffix"/> when given.</summary>
    public static string NewRecipient(string suffix = "")
    {
        var digits = "49" + Interlocked.Increment(ref _ids).ToString("D11");
        return "+" + digits[..^suffix.Length] + suffix;
    }

    public async Task<JsonElement> StatsAsync()
    {
        using var client = CreateHttpClient();
        return await client.GetFromJsonAsync<JsonElement>("/sandbox/stats");
    }

    /// <summary>The sandbox's record of the last send request whose body has this <c>to</c>.</summary>
    public async Task<JsonElement> ReceivedRequestToAsync(string to)
    {
        var stats = await StatsAsync();
        return stats.GetProperty("recentRequests").EnumerateArray()
            .Last(r => r.GetProperty("body").TryGetProperty("to", out var t) && t.GetString() == to);
    }
}
