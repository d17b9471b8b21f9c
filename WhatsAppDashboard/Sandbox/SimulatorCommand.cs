using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Cli;

namespace WhatsAppDashboard.Sandbox;

/// <summary>
/// <c>simulator --urls …</c>: only the sandbox Cloud API, as a web process of its own with no database, so a load test
/// can put the simulator and the dashboard on different cores or machines. Settings come from the same
/// configuration as the app (<c>Sandbox:*</c> in appsettings or environment variables).
/// </summary>
public sealed class SimulatorCommand(IConfiguration configuration, IHostEnvironment environment) : ICliCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5199";

    public string Name => "simulator";
    public string Usage => "simulator [--urls URLS] [--webhook-url URL]";
    public string Description => "Serve only the sandbox Cloud API (no database), e.g. for load tests.";

    public async Task<int> RunAsync(IServiceProvider services, CommandArguments arguments, CancellationToken ct)
    {
        var urls = arguments.Optional("urls") ?? DefaultUrls;
        var webhookUrl = arguments.Optional("webhook-url");
        arguments.EnsureAllUsed(Usage);

        await using var app = SandboxSimulator.Build(configuration, urls, webhookUrl, environment);
        try
        {
            await app.StartAsync(ct);
        }
        catch (OptionsValidationException ex)
        {
            throw new CommandException(string.Join(" ", ex.Failures), 2);
        }
        catch (IOException ex)
        {
            throw new CommandException($"Cannot listen on {urls}: {ex.Message}");
        }

        var addresses = SandboxSimulator.Addresses(app);
        var webhooks = app.Services.GetRequiredService<WebhookTarget>().Resolve();
        Console.WriteLine($"Sandbox simulator listening on {string.Join(", ", addresses)}");
        Console.WriteLine($"Graph API base URL: {addresses.FirstOrDefault()}{SandboxEndpoints.GraphPrefix}   Statistics: {addresses.FirstOrDefault()}/sandbox/stats");
        Console.WriteLine(webhooks is null ? "Webhooks: not sent (give --webhook-url or Sandbox:WebhookUrl)." : $"Webhooks: posted to {webhooks}");
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}

/// <summary>The standalone simulator's web app: only the sandbox endpoints and their services.</summary>
public static class SandboxSimulator
{
    /// <param name="configuration">The settings to use (the dashboard's own configuration when run as a command).</param>
    /// <param name="urls">Where to listen, as for <c>--urls</c>.</param>
    /// <param name="webhookUrl">Overrides <c>Sandbox:WebhookUrl</c>.</param>
    /// <param name="environment">The dashboard's environment, so logging and content root match it.</param>
    public static WebApplication Build(IConfiguration configuration, string urls, string? webhookUrl = null, IHostEnvironment? environment = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = environment?.ContentRootPath,
            EnvironmentName = environment?.EnvironmentName,
            ApplicationName = environment?.ApplicationName,
            Args = [],
        });
        builder.Configuration.AddConfiguration(configuration);
        var overrides = new Dictionary<string, string?> { ["Sandbox:Enabled"] = "true" };
        if (webhookUrl is not null)
            overrides["Sandbox:WebhookUrl"] = webhookUrl;
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.WebHost.UseUrls(urls);

        builder.Services.AddSandboxServices(new SandboxHosting(Standalone: true));
        var app = builder.Build();
        app.MapSandboxEndpoints();
        return app;
    }

    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}
