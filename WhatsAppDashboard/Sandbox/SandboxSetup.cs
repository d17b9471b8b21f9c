using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Cli;

namespace WhatsAppDashboard.Sandbox;

public static class SandboxSetup
{
    /// <summary>The embedded sandbox (on unless <c>Sandbox:Enabled</c> is false) and the <c>simulator</c> command.</summary>
    public static WebApplicationBuilder AddSandbox(this WebApplicationBuilder builder)
    {
        builder.Services.AddSandboxServices(new SandboxHosting(Standalone: false));
        builder.Services.AddCliCommand<SimulatorCommand>();
        // After the first-admin bootstrap (registered earlier), so a new installation gets both in order.
        builder.Services.AddHostedService<DemoDataSeeder>();
        return builder;
    }

    public static WebApplication MapSandbox(this WebApplication app)
    {
        app.MapSandboxEndpoints();
        return app;
    }

    /// <summary>Everything the simulated Cloud API needs, in the dashboard or in the standalone simulator.</summary>
    public static IServiceCollection AddSandboxServices(this IServiceCollection services, SandboxHosting hosting)
    {
        services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SandboxOptions>, SandboxOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(hosting);
        services.AddSingleton(sp => new SandboxRandom(sp.GetRequiredService<IOptions<SandboxOptions>>().Value.RandomSeed));
        services.AddSingleton(sp => new SandboxStats(sp.GetRequiredService<IOptions<SandboxOptions>>().Value.RecentRequestsKept));
        services.AddSingleton<SandboxTemplateCatalogue>();
        services.AddSingleton<ThroughputLimiter>();
        services.AddSingleton<SendOutcomePlanner>();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<WebhookTarget>();
        services.AddSingleton<SandboxSendService>();

        services.AddHttpClient(WebhookSender.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler
            {
                // Posting to this app's own https address on loopback: its certificate is made out to the public host
                // name, not to localhost. Anywhere else the certificate must be valid.
                ServerCertificateCustomValidationCallback = (request, _, _, errors) =>
                    errors == System.Net.Security.SslPolicyErrors.None || request.RequestUri?.IsLoopback == true,
            })
            // The sender logs failures itself, sparingly; per-request logs would flood when the target is down.
            .RemoveAllLoggers();
        services.AddHostedService<WebhookSender>();
        return services;
    }
}
