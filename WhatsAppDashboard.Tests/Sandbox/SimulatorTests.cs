using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Sandbox;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Sandbox;

/// <summary>The sandbox as its own process (<c>simulator</c>): no database, only the simulated Graph API.</summary>
public sealed class SimulatorTests
{
    private const string Token = "simulator-test-token";

    private static readonly CloudApiClient Client = new(
        new HttpClient(), Options.Create(new CloudApiOptions { TimeoutSeconds = 10 }), NullLogger<CloudApiClient>.Instance);

    private static TemplateMessage Welcome(string to) => new(to, "welcome_offer", "en_US", null, [new("Ana"), new("X")], [], "r-1");

    private static CloudApiTarget Target(string baseUrl) =>
        new(baseUrl.TrimEnd('/') + SandboxEndpoints.GraphPrefix, "v23.0", SandboxAppFactory.NewPhoneNumberId(), "waba", Token);

    [Fact]
    public async Task The_simulator_app_serves_sends_templates_and_stats_and_posts_webhooks_where_it_is_told()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(SandboxAppFactory.QuietSettings(Token)).Build();
        await using var simulator = SandboxSimulator.Build(configuration, "http://127.0.0.1:0", webhookUrl: receiver.Url);
        await simulator.StartAsync();
        var baseUrl = SandboxSimulator.Addresses(simulator).Single();
        var to = SandboxAppFactory.NewRecipient();

        var sent = await Client.SendTemplateAsync(Target(baseUrl), Welcome(to), CancellationToken.None);
        var templates = await Client.ListTemplatesAsync(Target(baseUrl), CancellationToken.None);

        sent.Error.Should().BeNull();
        templates.Value.Should().HaveCount(5);
        using var http = new HttpClient();
        var stats = await http.GetFromJsonAsync<JsonElement>(baseUrl.TrimEnd('/') + "/sandbox/stats");
        stats.GetProperty("acceptedByRecipient").GetProperty(to.TrimStart('+')).GetInt32().Should().Be(1);
        await receiver.WaitUntilAsync(all => all.Any(w => w.Status?.GetProperty("id").GetString() == sent.Value!.MessageId), "the sent status");
        await simulator.StopAsync();
    }

    [Fact]
    public async Task The_simulator_command_runs_as_its_own_process()
    {
        var appDll = Path.Combine(AppContext.BaseDirectory, "WhatsAppDashboard.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { appDll, "simulator", "--urls", "http://127.0.0.1:0" },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in SandboxAppFactory.QuietSettings(Token))
            start.Environment[key.Replace(":", "__")] = value;
        // Proves it needs no database.
        start.Environment["ConnectionStrings__Default"] = "Host=127.0.0.1;Port=1;Database=none";

        using var process = Process.Start(start)!;
        try
        {
            var baseUrl = await ListeningAddressAsync(process);
            var to = SandboxAppFactory.NewRecipient();

            var sent = await Client.SendTemplateAsync(Target(baseUrl), Welcome(to), CancellationToken.None);

            sent.Error.Should().BeNull();
            using var http = new HttpClient();
            var stats = await http.GetFromJsonAsync<JsonElement>(baseUrl + "/sandbox/stats");
            stats.GetProperty("accepted").GetInt64().Should().Be(1);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The address the simulator prints once it listens (it may take a few seconds to start).</summary>
    private static async Task<string> ListeningAddressAsync(Process process)
    {
        const string marker = "Sandbox simulator listening on ";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            output.Add(line);
            if (line.StartsWith(marker, StringComparison.Ordinal))
                return line[marker.Length..].Split(',')[0].Trim().TrimEnd('/');
        }
        var errors = await process.StandardError.ReadToEndAsync(timeout.Token);
        throw new Xunit.Sdk.XunitException($"The simulator did not start.\n{string.Join("\n", output)}\n{errors}");
    }
}
