using System.Text;
using WhatsAppDashboard.Common.Csv;

namespace WhatsAppDashboard.Tests.Common.Csv;

public sealed class CsvWriterTests
{
    private static async Task<string> WriteAsync(params string?[][] rows)
    {
        var text = new StringWriter();
        var writer = new CsvWriter(text);
        foreach (var row in rows)
            await writer.WriteRowAsync(row);
        return text.ToString();
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")")]
    [InlineData("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1:A2)", "'@SUM(A1:A2)")]
    [InlineData("\t=1+1", "'\t=1+1")]
    [InlineData("\r=1+1", "'\r=1+1")]
    [InlineData("+447911123456", "'+447911123456")]
    [InlineData("Ann = Bob", "Ann = Bob")]
    [InlineData("", "")]
    [InlineData("'already text", "'already text")]
    public void Cells_a_spreadsheet_would_run_as_formulas_get_an_apostrophe(string value, string expected)
    {
        CsvWriter.Neutralise(value).Should().Be(expected);
        CsvWriter.Restore(CsvWriter.Neutralise(value)).Should().Be(value, "our own exports import back unchanged");
    }

    [Fact]
    public async Task Every_written_cell_is_neutralised_and_quoted_when_needed()
    {
        var csv = await WriteAsync(
            ["Name", "Note"],
            ["=HYPERLINK(\"x\")", "a, b"],
            ["Bob \"the builder\"", "two\nlines"],
            [null, " padded "]);

        csv.Should().Be(
            "Name,Note\r\n" +
            "\"'=HYPERLINK(\"\"x\"\")\",\"a, b\"\r\n" +
            "\"Bob \"\"the builder\"\"\",\"two\nlines\"\r\n" +
            ",\" padded \"\r\n");
    }

    [Fact]
    public async Task What_is_written_reads_back_the_same()
    {
        string[][] rows =
        [
            ["phone", "name", "note"],
            ["+447911123456", "Lee, Ann", "she said \"hi\"\r\nand left"],
            ["+4915123456789", "=1+1", "@home"],
        ];
        var csv = await WriteAsync(rows);

        using var reader = await CsvReader.OpenAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), 1024 * 1024);
        var read = new List<string[]>();
        await foreach (var row in reader.ReadRowsAsync())
            read.Add(row.Fields.Select(CsvWriter.Restore).ToArray());

        reader.Header.Should().Equal(rows[0]);
        read.Should().BeEquivalentTo(rows[1..], o => o.WithStrictOrdering());
    }
}
