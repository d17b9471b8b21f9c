using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace WhatsAppDashboard.Common.Csv;

/// <summary>A problem with the whole file (not one row): the import cannot go on, and the message says why.</summary>
public sealed class CsvFileException(string message) : Exception(message);

/// <summary>
/// One data row. <see cref="RowNumber"/> is the row as a spreadsheet shows it: the header is row 1, and a
/// quoted value spanning several lines still makes one row. <see cref="Error"/> is set when the row is
/// malformed (wrong number of fields, broken quotes); its <see cref="Fields"/> are then what could be read.
/// </summary>
public sealed record CsvRow(int RowNumber, IReadOnlyList<string> Fields, string? Error)
{
    public bool IsValid => Error is null;

    /// <summary>The field at <paramref name="index"/>, or "" when a short row has none there.</summary>
    public string this[int index] => index >= 0 && index < Fields.Count ? Fields[index] : "";
}

/// <summary>
/// Reads a CSV file from a stream, one row at a time, so a file of any length needs only one row in memory.
/// Rules: UTF-8 with or without a byte-order mark (anything else is refused); a header row with unique,
/// non-empty names; the delimiter (comma, semicolon or tab) detected from the header line, ignoring quoted
/// text; RFC 4180 quoting, including delimiters, doubled quotes and line breaks inside quoted values; CRLF,
/// LF or CR line ends. Blank rows are skipped but still counted, so row numbers match a spreadsheet.
/// Problems with one row are reported on that row; problems with the file throw <see cref="CsvFileException"/>.
/// </summary>
public sealed class CsvReader : IDisposable
{
    /// <summary>A single row longer than this is almost certainly a missing closing quote swallowing the file.</summary>
    public const int MaxRowChars = 1024 * 1024;

    private static readonly char[] Candidates = [',', ';', '\t'];
    private const string NotUtf8 = "The file is not UTF-8 text: save it as CSV UTF-8";

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _maxBytes;
    /// <summary>What invalid bytes decode to: U+FFFF is a noncharacter that never occurs in text, so when the parser meets
    /// it, it knows the exact row to blame (decoding happens a block ahead of parsing).</summary>
    private const char InvalidByte = '\uFFFF';

    private readonly Decoder _decoder =
        Encoding.GetEncoding("utf-8", EncoderFallback.ExceptionFallback, new DecoderReplacementFallback(InvalidByte.ToString())).GetDecoder();
    private readonly byte[] _bytes = new byte[64 * 1024];
    private char[] _chars = new char[64 * 1024 + 16];
    private int _position;
    private int _length;
    private long _bytesRead;
    private bool _endOfStream;
    private bool _started;
    private int _rowNumber;
    private readonly StringBuilder _field = new();

    /// <summary>Inside quotes, the characters that end a run of ordinary text (and those the parser must see one by one).</summary>
    private static readonly SearchValues<char> QuotedStops = SearchValues.Create(['"', InvalidByte, '\0']);

    /// <summary>The same outside quotes; it includes the delimiter, so it is set once the delimiter is known.</summary>
    private SearchValues<char> _unquotedStops = SearchValues.Create(['"', '\r', '\n', InvalidByte, '\0']);

    private CsvReader(Stream stream, long maxBytes, bool leaveOpen)
    {
        _stream = stream;
        _maxBytes = maxBytes;
        _leaveOpen = leaveOpen;
    }

    public IReadOnlyList<string> Header { get; private set; } = [];

    public char Delimiter { get; private set; } = ',';

    /// <summary>A readable name for the detected delimiter ("comma", "semicolon", "tab").</summary>
    public string DelimiterName => Delimiter switch { ';' => "semicolon", '\t' => "tab", _ => "comma" };

    /// <summary>Opens the file and reads its header; throws <see cref="CsvFileException"/> when the file is empty,
    /// not UTF-8, larger than <paramref name="maxBytes"/>, or its header is missing or not usable.</summary>
    public static async Task<CsvReader> OpenAsync(Stream stream, long maxBytes, bool leaveOpen = false, CancellationToken ct = default)
    {
        var reader = new CsvReader(stream, maxBytes, leaveOpen);
        try
        {
            await reader.ReadHeaderAsync(ct);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The data rows after the header, in order. Blank rows are skipped.</summary>
    public async IAsyncEnumerable<CsvRow> ReadRowsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        while (await ReadRecordAsync(ct) is { } record)
        {
            if (record.Fields.All(string.IsNullOrWhiteSpace) && record.Error is null)
                continue;
            var error = record.Error;
            if (error is null && record.Fields.Count != Header.Count)
            {
                error = $"Row {record.RowNumber} has {record.Fields.Count} value{(record.Fields.Count == 1 ? "" : "s")} " +
                        $"but the header has {Header.Count} columns (is a {DelimiterName} or a quote out of place?).";
            }
            yield return new CsvRow(record.RowNumber, record.Fields, error);
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen)
            _stream.Dispose();
    }

    private async Task ReadHeaderAsync(CancellationToken ct)
    {
        Delimiter = await DetectDelimiterAsync(ct);
        _unquotedStops = SearchValues.Create([Delimiter, '"', '\r', '\n', InvalidByte, '\0']);
        var record = await ReadRecordAsync(ct);
        if (record is null)
            throw new CsvFileException("The file is empty: it needs a header row (row 1) with column names, then one row per contact.");
        if (record.Fields.All(string.IsNullOrWhiteSpace))
            throw new CsvFileException("Row 1 is empty: the first row must hold the column names (the header row).");
        if (record.Error is not null)
            throw new CsvFileException("The header row (row 1) is not valid: " + record.Error);

        var names = record.Fields.Select(f => f.Trim()).ToList();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Length == 0)
                throw new CsvFileException(
                    $"Column {i + 1} of the header row has no name: every column needs a name in row 1 (is the header row missing?).");
            if (LooksLikeData(names[i]))
                throw new CsvFileException(
                    $"Row 1 should hold column names, but \"{names[i]}\" looks like a phone number: add a header row such as \"phone,name\".");
            if (seen.TryGetValue(names[i], out var earlier))
                throw new CsvFileException(
                    $"The header row names \"{names[i]}\" twice (columns {earlier + 1} and {i + 1}): column names must be unique.");
            seen[names[i]] = i;
        }
        Header = names;
    }

    /// <summary>A header cell made of digits and phone punctuation: row 1 is data, the header is missing.</summary>
    private static bool LooksLikeData(string name) =>
        name.Count(char.IsAsciiDigit) >= 6 && name.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.');

    /// <summary>Buffers the whole first line (quoted line breaks included) and picks the candidate delimiter that
    /// occurs most often outside quotes; ties go to comma, then semicolon. A file with one column has none.</summary>
    private async Task<char> DetectDelimiterAsync(CancellationToken ct)
    {
        var counts = new int[Candidates.Length];
        var inQuotes = false;
        var i = 0;
        while (true)
        {
            if (i == _length)
            {
                if (i >= MaxRowChars)
                    throw new CsvFileException("The header row (row 1) is longer than 1 MB: is a closing quote missing?");
                if (!await FillAsync(ct))
                    break;
                continue;
            }
            var c = _chars[i++];
            if (c == '"')
                inQuotes = !inQuotes;
            else if (!inQuotes && c is '\r' or '\n')
                break;
            else if (!inQuotes && Array.IndexOf(Candidates, c) is var index and >= 0)
                counts[index]++;
        }
        var best = 0;
        for (var k = 1; k < counts.Length; k++)
            if (counts[k] > counts[best])
                best = k;
        return Candidates[best];
    }

    private sealed record RawRecord(int RowNumber, List<string> Fields, string? Error);

    /// <summary>Reads one record (one spreadsheet row), or null at the end of the file.</summary>
    private async ValueTask<RawRecord?> ReadRecordAsync(CancellationToken ct)
    {
        if (!await EnsureCharAsync(ct))
            return null;

        var rowNumber = ++_rowNumber;
        var fields = new List<string>();
        string? error = null;
        var rowChars = 0;
        _field.Clear();
        var quoted = false;      // the current field started with a quote
        var inQuotes = false;    // we are between its opening and closing quotes
        var afterClosingQuote = false;

        while (true)
        {
            if (!await EnsureCharAsync(ct))
            {
                if (inQuotes)
                    error ??= $"Row {rowNumber} has a quoted value that is never closed: a \" is missing, so the rest of the file was read as one value.";
                fields.Add(_field.ToString());
                return new RawRecord(rowNumber, fields, error);
            }
            if (!afterClosingQuote)
            {
                // Ordinary text up to the next character that matters is taken whole, not one character at a time.
                var available = _chars.AsSpan(_position, _length - _position);
                var run = available.IndexOfAny(inQuotes ? QuotedStops : _unquotedStops);
                if (run < 0)
                    run = available.Length;
                if (run > 0)
                {
                    rowChars += run;
                    if (rowChars > MaxRowChars)
                        throw new CsvFileException($"Row {rowNumber} is longer than 1 MB: is a closing quote missing?");
                    _field.Append(available[..run]);
                    _position += run;
                    continue;
                }
            }
            var c = _chars[_position++];
            if (++rowChars > MaxRowChars)
                throw new CsvFileException($"Row {rowNumber} is longer than 1 MB: is a closing quote missing?");
            // NUL does not occur in text either, but in every other byte of a UTF-16 file.
            if (c is InvalidByte or '\0')
                throw new CsvFileException(NotUtf8 + $" (the problem is in row {rowNumber}).");

            if (inQuotes)
            {
                if (c != '"')
                {
                    _field.Append(c);
                    continue;
                }
                // A doubled quote is a literal quote; a single one closes the value.
                if (await EnsureCharAsync(ct) && _chars[_position] == '"')
                {
                    _position++;
                    _field.Append('"');
                }
                else
                {
                    inQuotes = false;
                    afterClosingQuote = true;
                }
                continue;
            }

            if (c == Delimiter)
            {
                fields.Add(_field.ToString());
                _field.Clear();
                quoted = afterClosingQuote = false;
                continue;
            }
            if (c is '\r' or '\n')
            {
                if (c == '\r' && await EnsureCharAsync(ct) && _chars[_position] == '\n')
                    _position++;
                fields.Add(_field.ToString());
                return new RawRecord(rowNumber, fields, error);
            }
            if (afterClosingQuote)
            {
                // Spaces after a closing quote are tolerated; anything else means the quoting is broken.
                if (c != ' ')
                    error ??= $"Row {rowNumber} has text after the closing quote of a quoted value (a quote inside a value must be doubled: \"\").";
                else
                    continue;
            }
            if (c == '"' && !quoted && _field.ToString().Trim().Length == 0)
            {
                // The value starts with a quote (leading spaces are ignored): it is a quoted value.
                _field.Clear();
                quoted = inQuotes = true;
                continue;
            }
            // A quote in the middle of an unquoted value (5'11") is kept as it is, as spreadsheets do.
            _field.Append(c);
        }
    }

    /// <summary>True when at least one decoded character is available at <see cref="_position"/>.</summary>
    private async ValueTask<bool> EnsureCharAsync(CancellationToken ct)
    {
        while (_position >= _length)
        {
            if (!await FillAsync(ct))
                return false;
        }
        return true;
    }

    /// <summary>Decodes the next block of bytes, appending to the characters not yet consumed.</summary>
    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_endOfStream)
            return false;

        // Keep unread characters (during delimiter detection that is everything read so far).
        if (_position > 0)
        {
            Array.Copy(_chars, _position, _chars, 0, _length - _position);
            _length -= _position;
            _position = 0;
        }

        var read = await _stream.ReadAsync(_bytes, ct);
        if (_bytesRead == 0 && read > 0)
            RefuseOtherFormats(read);
        _bytesRead += read;
        if (_bytesRead > _maxBytes)
            throw new CsvFileException(
                $"The file is larger than the {FormatSize(_maxBytes)} limit: split it into smaller files.");
        if (read == 0)
            _endOfStream = true;

        // UTF-8 never yields more characters than bytes, plus what a sequence split across blocks completes.
        var needed = _length + read + 4;
        if (needed > _chars.Length)
            Array.Resize(ref _chars, Math.Max(needed, _chars.Length * 2));
        var decoded = _decoder.GetChars(_bytes, 0, read, _chars, _length, flush: _endOfStream);

        if (!_started && _length + decoded > 0)
        {
            _started = true;
            if (_chars[0] == '\uFEFF')
            {
                // The UTF-8 byte-order mark Excel writes: not part of the first column's name.
                Array.Copy(_chars, 1, _chars, 0, _length + decoded - 1);
                decoded--;
            }
        }
        _length += decoded;
        return read > 0 || decoded > 0;
    }

    /// <summary>Recognises the files people most often upload by mistake, to say what to do instead.</summary>
    private void RefuseOtherFormats(int read)
    {
        var start = _bytes.AsSpan(0, read);
        if (start.StartsWith("PK\u0003\u0004"u8))
            throw new CsvFileException("This is a spreadsheet workbook (such as .xlsx), not a CSV file: in your spreadsheet choose Save As › CSV UTF-8.");
        if (start.StartsWith([(byte)0xFF, (byte)0xFE]) || start.StartsWith([(byte)0xFE, (byte)0xFF]))
            throw new CsvFileException(NotUtf8 + " (this file is UTF-16, which Excel calls Unicode Text).");
    }

    private static string FormatSize(long bytes) => bytes switch
    {
        _ when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MB",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:0.#} MB"),
    };
}
