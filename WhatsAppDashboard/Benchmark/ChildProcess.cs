using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WhatsAppDashboard.Benchmark;

/// <summary>
/// This app's own binary started as another process (the dashboard, the simulator or a <c>bench-setup</c> step), with
/// its output kept in a log file. The benchmark measures the child's memory and CPU from outside, and can kill it hard.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly List<string> _output = [];
    private long _peakRssBytes;
    private TimeSpan _lastCpu;

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string LogPath { get; private init; } = "";

    /// <summary>Starts <c>dotnet WhatsAppDashboard.dll args…</c> with the given environment on top of this one's.</summary>
    public static ChildProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, string logPath)
    {
        var assembly = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, log) { LogPath = logPath };
        process.OutputDataReceived += (_, e) => child.Record(e.Data);
        process.ErrorDataReceived += (_, e) => child.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a child to its end and gives back its last line of standard output (a step's JSON answer).</summary>
    public static async Task<string> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, string logPath, CancellationToken ct)
    {
        await using var child = Start(args, environment, logPath);
        await child._process.WaitForExitAsync(ct);
        child._process.WaitForExit();
        if (child._process.ExitCode != 0)
            throw new InvalidOperationException($"'{string.Join(' ', args.Take(2))}' failed with exit code {child._process.ExitCode}: " +
                                                string.Join(" | ", child.RecentOutput(5)));
        return child.RecentOutput(1).LastOrDefault(l => l.StartsWith('{')) ?? "";
    }

    private void Record(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 200)
                _output.RemoveRange(0, 100);
            _log.WriteLine(line);
        }
    }

    public IReadOnlyList<string> RecentOutput(int lines)
    {
        lock (_output)
            return _output.TakeLast(lines).ToList();
    }

    /// <summary>Reads the resident memory now and the CPU time used so far; keeps the highest memory seen.</summary>
    public void Sample()
    {
        if (_process.HasExited)
            return;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                // VmHWM is the kernel's own peak of resident memory for the process: nothing is missed between samples.
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal) || line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                    _peakRssBytes = Math.Max(_peakRssBytes, kb * 1024);
                }
            }
            _process.Refresh();
            _lastCpu = _process.TotalProcessorTime;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // The process ended between the check and the read: its last sample stands.
        }
    }

    public long PeakRssBytes => _peakRssBytes;

    /// <summary>CPU time (user + system) at the last <see cref="Sample"/>.</summary>
    public TimeSpan CpuTime => _lastCpu;

    /// <summary>SIGKILL: the process gets no chance to finish anything.</summary>
    public async Task KillHardAsync()
    {
        Sample();
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                // Already gone, or stuck: nothing more to do from here.
            }
        }
        _process.Dispose();
        lock (_output)
            _log.Dispose();
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
