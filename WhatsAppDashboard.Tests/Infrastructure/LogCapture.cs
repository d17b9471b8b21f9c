using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>Keeps every log line (level, category, message, structured values, exception) so tests can search what the app logs.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    /// <summary>Adds this provider to an app, at every level: a rule for this provider alone outranks appsettings' per-category levels.</summary>
    public void AttachTo(IWebHostBuilder builder) =>
        builder.ConfigureLogging(logging => logging.AddProvider(this).AddFilter<LogCapture>(category: null, LogLevel.Trace));

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Structured values too: a secret could hide in a parameter the message template does not print.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}

/// <summary>The app with every log line, down to Trace, captured in <see cref="Logs"/>.</summary>
public sealed class LogCapturingAppFactory : AppFactory
{
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        Logs.AttachTo(builder);
    }
}
