using System.Text.Json;
using WhatsAppDashboard.Cli;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Benchmark;

/// <summary>
/// <c>bench</c>: measures a whole run against the simulator in a separate process and prints one JSON line (see
/// docs/PERFORMANCE.md). It uses the configured PostgreSQL server, in a database of its own that it drops at the end.
/// </summary>
public sealed class BenchCommand(IConfiguration configuration) : ICliCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Name => "bench";
    public string Usage => BenchOptions.Usage;
    public string Description => "Benchmark a campaign run against the simulator (build with -c Release).";

    public async Task<int> RunAsync(IServiceProvider services, CommandArguments arguments, CancellationToken ct)
    {
        var options = BenchOptions.Parse(arguments);
        arguments.EnsureAllUsed(Usage);
#if DEBUG
        Console.Error.WriteLine("bench: this is a Debug build; figures are only meaningful with -c Release.");
#endif
        var runner = new BenchRunner(options, DataSetup.RequireConnectionString(configuration), Console.Error);
        try
        {
            var result = await runner.RunAsync(ct);
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return 0;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or the run's time limit: the children are stopped and the database dropped on the way out.
            throw new CommandException("stopped before the run finished; no figures.", 130);
        }
    }
}

public static class BenchmarkSetup
{
    /// <summary>Only the two commands: nothing of the benchmark runs inside the web app.</summary>
    public static WebApplicationBuilder AddBenchmark(this WebApplicationBuilder builder)
    {
        builder.Services.AddCliCommand<BenchCommand>();
        builder.Services.AddCliCommand<BenchSetupCommand>();
        return builder;
    }
}
