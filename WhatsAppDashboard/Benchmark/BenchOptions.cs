using System.Globalization;
using WhatsAppDashboard.Cli;

namespace WhatsAppDashboard.Benchmark;

public enum BenchScenario { None, Crash, DbRestart, WebhookStorm }

/// <summary>What one benchmark run does. The command line fills it; tests build small ones.</summary>
public sealed record BenchOptions
{
    public int Recipients { get; init; } = 100_000;
    public int Mps { get; init; } = 1000;
    public int LatencyMs { get; init; } = 100;
    public BenchScenario Scenario { get; init; } = BenchScenario.None;
    /// <summary>Status events replayed into the app after the run; null: one <c>read</c> per accepted message.</summary>
    public int? WebhookReplay { get; init; }
    /// <summary>Statuses per replayed webhook payload (Meta sends one to a few).</summary>
    public int WebhookBatch { get; init; } = 1;
    public int ReplayConcurrency { get; init; } = 32;
    /// <summary>Shell command that restarts PostgreSQL for <see cref="BenchScenario.DbRestart"/>.</summary>
    public string DbRestartCommand { get; init; } = "pg_ctlcluster 15 main restart";
    /// <summary>Replaces <see cref="DbRestartCommand"/> (tests cut the database's sessions instead of restarting a shared server).</summary>
    public Func<string, Task>? DisruptDatabase { get; init; }
    /// <summary>Where in the run (share of recipients sent) a crash or restart happens; null: a random point between 20 % and 70 %.</summary>
    public double? DisruptAt { get; init; }
    public int Seed { get; init; } = 20261207;
    public bool KeepDatabase { get; init; }
    /// <summary>Run in this (migrated or empty) database instead of creating and dropping one.</summary>
    public string? DatabaseConnectionString { get; init; }
    /// <summary>How long the whole run may take before it is abandoned as broken.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Show a progress bar (stderr).</summary>
    public bool Progress { get; init; } = true;

    public const string Usage =
        "bench [--recipients N] [--mps N] [--latency-ms N] [--scenario crash|db-restart|webhook-storm] [--webhook-replay N] " +
        "[--webhook-batch N] [--db-restart-command CMD] [--disrupt-at 0.2..0.9] [--seed N] [--keep-database true]";

    public static BenchOptions Parse(CommandArguments arguments)
    {
        var defaults = new BenchOptions();
        var options = new BenchOptions
        {
            Recipients = Int(arguments, "recipients", defaults.Recipients, 1, 5_000_000),
            Mps = Int(arguments, "mps", defaults.Mps, 1, 1000),
            LatencyMs = Int(arguments, "latency-ms", defaults.LatencyMs, 0, 10_000),
            Scenario = arguments.Optional("scenario") switch
            {
                null or "" or "none" => BenchScenario.None,
                "crash" => BenchScenario.Crash,
                "db-restart" => BenchScenario.DbRestart,
                "webhook-storm" => BenchScenario.WebhookStorm,
                var other => throw new CommandException($"Unknown scenario '{other}': use crash, db-restart or webhook-storm.", 2),
            },
            WebhookReplay = arguments.Optional("webhook-replay") is null ? null : Int(arguments, "webhook-replay", 0, 0, 10_000_000),
            WebhookBatch = Int(arguments, "webhook-batch", defaults.WebhookBatch, 1, 100),
            DbRestartCommand = arguments.Optional("db-restart-command") ?? defaults.DbRestartCommand,
            DisruptAt = arguments.Optional("disrupt-at") is { } at
                ? double.TryParse(at, NumberStyles.Float, CultureInfo.InvariantCulture, out var share) && share is >= 0.05 and <= 0.95
                    ? share
                    : throw new CommandException("--disrupt-at must be a share between 0.05 and 0.95.", 2)
                : null,
            Seed = Int(arguments, "seed", defaults.Seed, 0, int.MaxValue),
            KeepDatabase = arguments.Optional("keep-database") is "true" or "yes" or "1",
        };
        return options;
    }

    private static int Int(CommandArguments arguments, string name, int fallback, int min, int max)
    {
        var text = arguments.Optional(name);
        if (text is null)
            return fallback;
        return int.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new CommandException($"--{name} must be a whole number from {min} to {max}.", 2);
    }
}
