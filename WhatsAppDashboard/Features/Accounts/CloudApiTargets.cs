using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Accounts;

/// <summary>A target to call, or why there is none (in words for the account page).</summary>
public sealed record CloudApiTargetResult(CloudApiTarget? Target, string? Error)
{
    public bool Succeeded => Target is not null;
}

/// <summary>
/// Builds the <see cref="CloudApiTarget"/> for an account: its Graph API root and version, and its access token
/// decrypted. A sandbox account without an absolute base URL points at this app's own simulator.
/// </summary>
public sealed class CloudApiTargets(AccountSecrets secrets, IServer server)
{
    /// <summary>Where the built-in simulator serves the Graph API, under this app's own address.</summary>
    public const string SandboxGraphPath = "/sandbox/graph";

    public CloudApiTargetResult For(WhatsAppAccount account)
    {
        var token = secrets.AccessToken(account);
        if (token is null)
            return new(null, account.AccessTokenProtected is null
                ? $"{account.Name} has no access token: enter one on the account page."
                : $"The access token of {account.Name} cannot be decrypted (were the Data Protection keys lost?): enter it again on the account page.");

        var baseUrl = BaseUrlFor(account);
        if (baseUrl is null)
            return new(null, $"{account.Name} is a sandbox account, but this app's own address is not known yet: set an absolute API base URL.");

        return new(new CloudApiTarget(baseUrl, account.GraphApiVersion, account.PhoneNumberId, account.WabaId, token), null);
    }

    private string? BaseUrlFor(WhatsAppAccount account)
    {
        var configured = account.ApiBaseUrl.Trim();
        if (Uri.TryCreate(configured, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            return configured.TrimEnd('/');
        if (!account.IsSandbox)
            return null;

        var ownAddress = OwnAddress();
        if (ownAddress is null)
            return null;
        var path = configured.Length == 0 ? SandboxGraphPath : "/" + configured.Trim('/');
        return ownAddress + path;
    }

    /// <summary>This app's listening address, preferring plain HTTP on loopback: the cheapest way to call itself.</summary>
    private string? OwnAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses
            .Select(ToCallable)
            .OfType<Uri>()
            .OrderBy(u => u.Scheme == Uri.UriSchemeHttp ? 0 : 1)
            .ThenBy(u => u.IsLoopback ? 0 : 1)
            .Select(u => u.GetLeftPart(UriPartial.Authority))
            .FirstOrDefault();
    }

    /// <summary>Turns a binding such as <c>http://+:8080</c> or <c>http://[::]:8080</c> into an address one can call.</summary>
    private static Uri? ToCallable(string address)
    {
        var wildcard = address.Replace("://+:", "://127.0.0.1:").Replace("://*:", "://127.0.0.1:");
        if (!Uri.TryCreate(wildcard, UriKind.Absolute, out var uri))
            return null;
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
            uri = new UriBuilder(uri) { Host = "127.0.0.1" }.Uri;
        return uri;
    }
}
