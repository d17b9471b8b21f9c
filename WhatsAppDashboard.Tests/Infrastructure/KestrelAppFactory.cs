using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// The app served by Kestrel on a free loopback port, for anything that must go over real HTTP: a browser, or the
/// app calling its own sandbox.
/// </summary>
public class KestrelAppFactory : AppFactory
{
    public KestrelAppFactory() => UseKestrel(0);

    /// <summary>For example <c>http://127.0.0.1:41234</c>, without a trailing slash.</summary>
    public string BaseUrl { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    /// <summary>Over the real socket: keeps cookies, does not follow redirects (the factory's own client would).</summary>
    public override HttpClient CreateBrowserlessClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new System.Net.CookieContainer() })
        {
            BaseAddress = new Uri(BaseUrl),
        };

    /// <summary>A plain client for the served app (no cookies, no redirects followed).</summary>
    public HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(BaseUrl) };
}
