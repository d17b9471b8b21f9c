using System.Text;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>One mutated input and how it was made (named in failure messages, so a failing seed can be replayed).</summary>
public sealed record CorpusInput(int Seed, string Mutation, byte[] Bytes)
{
    public override string ToString() => $"seed {Seed} ({Mutation}, {Bytes.Length:N0} bytes)";
}

/// <summary>
/// Deterministic bad inputs: each seed picks mutations of a valid input (truncated, wrong encodings, NUL bytes, huge or
/// formula cells, broken quoting, deep nesting, wrong types…). The same seed always gives the same bytes.
/// </summary>
public static class InputCorpus
{
    private static readonly string[] Formulas = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@A1", "=HYPERLINK(\"http://x\",\"y\")", "\t=1+1", "\r=1"];
    private static readonly string[] OddTexts =
    [
        "", " ", "null", "NaN", "-1", "1e308", "0x41", "true", "2026-13-45", "+49 151 1234 5678", "١٢٣٤٥٦٧٨٩٠", "😀😀😀",
        "\u202Eevil", "e\u0301\u0301\u0301", "O'Brien; DROP TABLE contacts;--", "<script>alert(1)</script>", "\\", "\"",
    ];

    /// <summary>CSV files from a valid one with a phone, a name and one more column.</summary>
    public static IEnumerable<CorpusInput> CsvFiles(int count, int firstSeed = 1)
    {
        for (var seed = firstSeed; seed < firstSeed + count; seed++)
        {
            var random = new Random(seed);
            var rows = new List<string[]> { new[] { "phone", "name", "city" } };
            var rowCount = random.Next(1, 12);
            for (var i = 0; i < rowCount; i++)
                rows.Add([$"+49151{random.Next(10_000_000, 99_999_999)}", $"Person {i}", "Köln"]);

            var mutations = new List<string>();
            var steps = random.Next(1, 4);
            for (var step = 0; step < steps; step++)
            {
                var kind = random.Next(12);
                var row = rows[random.Next(1, rows.Count)];
                if (row.Length < 3)
                    continue; // Already cut short by an earlier step.
                var column = random.Next(row.Length);
                switch (kind)
                {
                    case 0: row[column] = Formulas[random.Next(Formulas.Length)]; mutations.Add("formula cell"); break;
                    case 1: row[column] = new string((char)random.Next('a', 'z' + 1), random.Next(1_000, 200_000)); mutations.Add("huge cell"); break;
                    case 2: row[column] = OddTexts[random.Next(OddTexts.Length)]; mutations.Add("odd value"); break;
                    case 3: row[column] = "a\0b"; mutations.Add("NUL in a cell"); break;
                    case 4: rows[random.Next(1, rows.Count)] = row.Take(random.Next(0, row.Length)).ToArray(); mutations.Add("missing cells"); break;
                    case 5: rows[random.Next(1, rows.Count)] = row.Concat(Enumerable.Repeat("x", random.Next(1, 3000))).ToArray(); mutations.Add("extra cells"); break;
                    case 6: rows[0] = random.Next(3) switch { 0 => ["phone", "phone", ""], 1 => [], _ => Enumerable.Range(0, 2000).Select(i => "c" + i).ToArray() }; mutations.Add("odd header"); break;
                    case 7: row[column] = "\"unbalanced"; mutations.Add("stray quote"); break;
                    case 8: row[column] = "line\nbreak"; mutations.Add("line break in a cell"); break;
                    case 9: row[0] = random.Next(1, 1_000_000_000).ToString(); mutations.Add("number as phone"); break;
                    case 10: row[0] = "+" + new string('9', random.Next(16, 400)); mutations.Add("long phone"); break;
                    default: row[1] = "\uD800"; mutations.Add("lone surrogate"); break;
                }
            }
            var delimiter = random.Next(6) switch { 0 => ";", 1 => "\t", _ => "," };
            var newline = random.Next(4) switch { 0 => "\r", 1 => "\r\n", _ => "\n" };
            var text = string.Join(newline, rows.Select(r => string.Join(delimiter, r.Select(c => Quote(c, random))))) + (random.Next(2) == 0 ? newline : "");
            var bytes = random.Next(8) switch
            {
                0 => Encoding.Latin1.GetBytes(text + "José"),
                1 => Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray(),
                2 => Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray(),
                _ => Encoding.UTF8.GetBytes(text),
            };
            if (bytes.Length == 0 || random.Next(6) == 0)
            {
                mutations.Add("truncated");
                bytes = bytes[..random.Next(0, Math.Max(1, bytes.Length))];
            }
            if (random.Next(10) == 0)
            {
                mutations.Add("binary junk");
                var junk = new byte[random.Next(1, 4096)];
                random.NextBytes(junk);
                bytes = random.Next(2) == 0 ? junk : [.. bytes, .. junk];
            }
            if (random.Next(12) == 0)
            {
                mutations.Add("invalid UTF-8");
                bytes = [.. bytes, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xFF];
            }
            yield return new CorpusInput(seed, string.Join(", ", mutations), bytes);
        }
    }

    private static string Quote(string cell, Random random) =>
        cell.IndexOfAny([',', ';', '\t', '"', '\n', '\r']) >= 0 && random.Next(4) != 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;

    /// <summary>JSON bodies from a valid one (as text): truncated, retyped, nested deep, huge, with NUL escapes…</summary>
    public static IEnumerable<CorpusInput> JsonBodies(string valid, int count, int firstSeed = 1)
    {
        for (var seed = firstSeed; seed < firstSeed + count; seed++)
        {
            var random = new Random(seed);
            var text = valid;
            var mutations = new List<string>();
            var steps = random.Next(1, 3);
            for (var step = 0; step < steps; step++)
            {
                switch (random.Next(13))
                {
                    case 0: text = text[..random.Next(0, text.Length)]; mutations.Add("truncated"); break;
                    case 1: text = ReplaceStringValue(text, random, "\"a\\u0000b\""); mutations.Add("NUL escape"); break;
                    case 2: text = ReplaceStringValue(text, random, random.Next(2) == 0 ? "12345" : "-1e400"); mutations.Add("number for a string"); break;
                    case 3: text = ReplaceStringValue(text, random, random.Next(2) == 0 ? "{}" : "[1,2,3]"); mutations.Add("object for a string"); break;
                    case 4: text = ReplaceStringValue(text, random, "null"); mutations.Add("null"); break;
                    case 5: text = ReplaceStringValue(text, random, "\"" + new string('x', random.Next(10_000, 300_000)) + "\""); mutations.Add("huge string"); break;
                    case 6:
                        var depth = random.Next(65, 5000);
                        text = ReplaceStringValue(text, random, new string('[', depth) + new string(']', depth));
                        mutations.Add("deep nesting");
                        break;
                    case 7: text = ReplaceStringValue(text, random, "\"\\uD800\""); mutations.Add("lone surrogate escape"); break;
                    case 8: text = ReplaceStringValue(text, random, "\"" + Formulas[random.Next(Formulas.Length)].Replace("\"", "\\\"").Replace("\t", "\\t").Replace("\r", "\\r") + "\""); mutations.Add("formula"); break;
                    case 9: text = random.Next(3) switch { 0 => "[]", 1 => "\"text\"", _ => "42" }; mutations.Add("wrong root"); break;
                    case 10: text = text.Replace("\"", "'"); mutations.Add("single quotes"); break;
                    case 11: text = ReplaceStringValue(text, random, "\"" + OddTexts[random.Next(OddTexts.Length)].Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""); mutations.Add("odd value"); break;
                    default: text = text.Insert(random.Next(0, text.Length), ",,"); mutations.Add("stray commas"); break;
                }
            }
            var bytes = Encoding.UTF8.GetBytes(text);
            if (random.Next(10) == 0)
            {
                bytes = [.. bytes, 0xC3, 0x28, 0xFF];
                mutations.Add("invalid UTF-8");
            }
            yield return new CorpusInput(seed, string.Join(", ", mutations), bytes);
        }
    }

    /// <summary>Replaces one string value (not a property name) of the JSON text, or appends when there is none.</summary>
    private static string ReplaceStringValue(string json, Random random, string replacement)
    {
        var values = new List<(int Start, int End)>();
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] != '"')
                continue;
            var end = i + 1;
            while (end < json.Length && (json[end] != '"' || json[end - 1] == '\\'))
                end++;
            if (end >= json.Length)
                break;
            var next = end + 1;
            while (next < json.Length && char.IsWhiteSpace(json[next]))
                next++;
            if (next >= json.Length || json[next] != ':')
                values.Add((i, end));
            i = end;
        }
        if (values.Count == 0)
            return json + replacement;
        var (start, stop) = values[random.Next(values.Count)];
        return json[..start] + replacement + json[(stop + 1)..];
    }
}
