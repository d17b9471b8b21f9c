using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>Whether the sandbox runs inside the dashboard or as the standalone <c>simulator</c> process.</summary>
public sealed record SandboxHosting(bool Standalone);

/// <summary>
/// Where webhooks go: <c>Sandbox:WebhookUrl</c>, else this app's own <c>/webhooks/whatsapp</c> on the first address
/// it listens on (known only once the server has started). The standalone simulator has no webhook endpoint of its
/// own, so without a configured URL it sends none.
/// </summary>
public sealed class WebhookTarget(IOptions<SandboxOptions> options, SandboxHosting hosting, IServer server)
{
    public const string OwnWebhookPath = "/webhooks/whatsapp";

    private Uri? _resolved;

    public bool SendsWebhooks => options.Value.WebhookUrl.Length > 0 || !hosting.Standalone;

    /// <summary>The URL to post to, or null while (or if) none is known.</summary>
    public Uri? Resolve()
    {
        if (_resolved is not null)
            return _resolved;
        if (options.Value.WebhookUrl.Length > 0)
            return _resolved = new Uri(options.Value.WebhookUrl);
        if (hosting.Standalone)
            return null;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return _resolved = FromListeningAddresses(addresses);
    }

    /// <summary>
    /// The webhook URL on the first listening address, preferring plain http (a loopback call needs no certificate);
    /// wildcard hosts (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) become the matching loopback address.
    /// </summary>
    public static Uri? FromListeningAddresses(IEnumerable<string> addresses)
    {
        var parsed = addresses
            .Select(a => BindingAddress.Parse(a))
            .Where(a => a.Scheme is "http" or "https" && !a.IsUnixPipe && a.Port > 0)
            .ToList();
        var chosen = parsed.FirstOrDefault(a => a.Scheme == "http") ?? parsed.FirstOrDefault();
        if (chosen is null)
            return null;
        var host = chosen.Host switch
        {
            "*" or "+" => "localhost",
            "0.0.0.0" => "127.0.0.1",
            "[::]" or "::" => "[::1]",
            var h => h,
        };
        return new Uri($"{chosen.Scheme}://{host}:{chosen.Port}{chosen.PathBase.TrimEnd('/')}{OwnWebhookPath}");
    }
}
