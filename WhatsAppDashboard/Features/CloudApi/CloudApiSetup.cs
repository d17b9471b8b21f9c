using System.ComponentModel.DataAnnotations;

namespace WhatsAppDashboard.Features.CloudApi;

public sealed class CloudApiOptions
{
    public const string Section = "CloudApi";

    /// <summary>Longest wait for one Graph API call, answer included; past it the call fails as a transient time-out.</summary>
    [Range(0.1, 300, ErrorMessage = "CloudApi:TimeoutSeconds must be between 0.1 and 300.")]
    public double TimeoutSeconds { get; set; } = 15;

    /// <summary>Templates asked for per page when listing (Meta's <c>limit</c>).</summary>
    [Range(1, 1000, ErrorMessage = "CloudApi:TemplatePageSize must be between 1 and 1000.")]
    public int TemplatePageSize { get; set; } = 100;

    /// <summary>A safety stop for a paging link that never ends.</summary>
    [Range(1, 100_000, ErrorMessage = "CloudApi:MaxTemplatePages must be between 1 and 100000.")]
    public int MaxTemplatePages { get; set; } = 500;
}

public static class CloudApiSetup
{
    public static WebApplicationBuilder AddCloudApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CloudApiOptions>()
            .BindConfiguration(CloudApiOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddHttpClient<ICloudApiClient, CloudApiClient>(client =>
            {
                // Each call has its own bounded time-out (CloudApi:TimeoutSeconds), told apart from the caller's cancellation.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            // Connections are recycled by the handler itself, so the client may be held by long-lived services
            // (the dispatcher) without missing DNS changes, and is never torn down under a burst of sends.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                EnableMultipleHttp2Connections = true,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        // HttpClient logs four lines per request at Information: at a thousand sends a second they would drown
        // everything else. Failures are logged by the client itself; a provider-specific level still shows them all.
        builder.Logging.AddFilter("System.Net.Http.HttpClient." + nameof(ICloudApiClient), LogLevel.Warning);
        return builder;
    }
}
