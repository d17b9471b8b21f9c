using System.Text;

namespace WhatsAppDashboard.Common.Csv;

/// <summary>
/// Writes CSV for people to open in a spreadsheet: RFC 4180 quoting, CRLF line ends, and every cell made safe
/// against formula injection (a value such as <c>=HYPERLINK(...)</c> is written as <c>'=HYPERLINK(...)</c>, so
/// the spreadsheet shows it as text instead of running it). Use it for every export.
/// </summary>
public sealed class CsvWriter(TextWriter writer, char delimiter = ',')
{
    /// <summary>UTF-8 with a byte-order mark, so Excel recognises the encoding when the file is double-clicked.</summary>
    public static readonly Encoding FileEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);

    private readonly StringBuilder _line = new();

    public async Task WriteRowAsync(IEnumerable<string?> cells, CancellationToken ct = default)
    {
        _line.Clear();
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
                _line.Append(delimiter);
            first = false;
            AppendCell(Neutralise(cell ?? ""));
        }
        _line.Append("\r\n");
        await writer.WriteAsync(_line, ct);
    }

    /// <summary>Prefixes an apostrophe to a value a spreadsheet would read as a formula: one starting with
    /// = + - @, a tab or a carriage return.</summary>
    public static string Neutralise(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    /// <summary>Undoes <see cref="Neutralise"/> on a value read back from one of our own exports.</summary>
    public static string Restore(string value) =>
        value.Length > 1 && value[0] == '\'' && value[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? value[1..] : value;

    private void AppendCell(string value)
    {
        var needsQuotes = value.AsSpan().IndexOfAny(['"', delimiter, '\r', '\n']) >= 0
                          || (value.Length > 0 && (value[0] == ' ' || value[^1] == ' '));
        if (!needsQuotes)
        {
            _line.Append(value);
            return;
        }
        _line.Append('"');
        foreach (var c in value)
        {
            if (c == '"')
                _line.Append('"');
            _line.Append(c);
        }
        _line.Append('"');
    }
}
