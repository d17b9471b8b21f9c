using System.Diagnostics;

namespace WhatsAppDashboard.Benchmark;

/// <summary>A one-line progress bar on stderr (a plain line every few seconds when stderr is not a terminal).</summary>
public sealed class ProgressBar(TextWriter output, bool enabled, long total)
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private TimeSpan _lastLine = TimeSpan.FromDays(-1);
    private long _lastCount;
    private TimeSpan _lastAt;
    private double _rate;

    public void Show(long done, string status)
    {
        if (!enabled)
            return;
        var now = _clock.Elapsed;
        if (now - _lastAt >= TimeSpan.FromSeconds(1))
        {
            _rate = (done - _lastCount) / (now - _lastAt).TotalSeconds;
            _lastCount = done;
            _lastAt = now;
        }
        var share = total == 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        var filled = (int)(share * Width);
        var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {share,4:P0} {done:N0}/{total:N0} answered, {_rate:N0}/s, {status}, {now:mm\\:ss}";
        if (_terminal)
        {
            output.Write("\r" + line.PadRight(100));
        }
        else if (now - _lastLine >= TimeSpan.FromSeconds(5))
        {
            output.WriteLine(line);
            _lastLine = now;
        }
    }

    public void Note(string message)
    {
        if (!enabled)
            return;
        if (_terminal)
            output.WriteLine();
        output.WriteLine(message);
    }

    public void Done()
    {
        if (enabled && _terminal)
            output.WriteLine();
    }
}
