using System.Text;
using WhatsAppDashboard.Common.Csv;

namespace WhatsAppDashboard.Tests.Common.Csv;

public sealed class CsvReaderTests
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private static Stream Utf8(string text, bool bom = false) =>
        new MemoryStream(bom ? [.. Bom, .. Encoding.UTF8.GetBytes(text)] : Encoding.UTF8.GetBytes(text));

    private static async Task<(CsvReader Reader, List<CsvRow> Rows)> ReadAllAsync(Stream stream, long maxBytes = 1024 * 1024)
    {
        var reader = await CsvReader.OpenAsync(stream, maxBytes);
        var rows = new List<CsvRow>();
        await foreach (var row in reader.ReadRowsAsync())
            rows.Add(row);
        return (reader, rows);
    }

    [Fact]
    public async Task A_plain_comma_file_gives_its_header_and_rows_numbered_as_in_a_spreadsheet()
    {
        var (reader, rows) = await ReadAllAsync(Utf8("phone,name\n+447911123456,Ann\n+4915123456789,Bernd\n"));

        reader.Header.Should().Equal("phone", "name");
        reader.Delimiter.Should().Be(',');
        rows.Select(r => r.RowNumber).Should().Equal(2, 3);
        rows[0].Fields.Should().Equal("+447911123456", "Ann");
        rows[1].Fields.Should().Equal("+4915123456789", "Bernd");
        rows.Should().OnlyContain(r => r.IsValid);
    }

    [Fact]
    public async Task A_byte_order_mark_is_not_part_of_the_first_column_name()
    {
        var (reader, rows) = await ReadAllAsync(Utf8("phone,name\r\n+447911123456,Zoë\r\n", bom: true));

        reader.Header[0].Should().Be("phone");
        rows.Single().Fields.Should().Equal("+447911123456", "Zoë");
    }

    [Theory]
    [InlineData("phone;name;city\n+447911123456;Ann;Leeds\n", ';')]
    [InlineData("phone\tname\tcity\n+447911123456\tAnn\tLeeds\n", '\t')]
    [InlineData("phone,name,city\n+447911123456,Ann,Leeds\n", ',')]
    public async Task The_delimiter_is_detected_from_the_header(string csv, char delimiter)
    {
        var (reader, rows) = await ReadAllAsync(Utf8(csv));

        reader.Delimiter.Should().Be(delimiter);
        reader.Header.Should().Equal("phone", "name", "city");
        rows.Single().Fields.Should().Equal("+447911123456", "Ann", "Leeds");
    }

    [Fact]
    public async Task Delimiters_inside_quoted_header_names_do_not_count()
    {
        // Three commas, all quoted; two semicolons outside quotes.
        var (reader, rows) = await ReadAllAsync(Utf8("\"name, full\";phone;\"a,b,c\"\nAnn Lee;+447911123456;x\n"));

        reader.Delimiter.Should().Be(';');
        reader.Header.Should().Equal("name, full", "phone", "a,b,c");
        rows.Single().Fields.Should().Equal("Ann Lee", "+447911123456", "x");
    }

    [Fact]
    public async Task Quoted_values_keep_delimiters_quotes_and_line_breaks_and_count_as_one_row()
    {
        const string csv = "phone,name,note\n" +
                           "+447911123456,\"Lee, Ann\",\"She said \"\"hi\"\"\"\n" +
                           "+447911123457,Bob,\"line one\r\nline two\nline three\"\n" +
                           "+447911123458,Cy,plain\n";

        var (_, rows) = await ReadAllAsync(Utf8(csv));

        rows.Select(r => r.RowNumber).Should().Equal([2, 3, 4], "a value spanning lines is still one row, as a spreadsheet shows it");
        rows[0].Fields.Should().Equal("+447911123456", "Lee, Ann", "She said \"hi\"");
        rows[1].Fields[2].Should().Be("line one\r\nline two\nline three");
        rows[2].Fields.Should().Equal("+447911123458", "Cy", "plain");
    }

    [Fact]
    public async Task Every_kind_of_line_end_works_and_blank_rows_are_skipped_but_counted()
    {
        var (_, rows) = await ReadAllAsync(Utf8("phone,name\r\n+1,A\r\n\r\n+2,B\r+3,C\n,\n+4,D"));

        rows.Select(r => (r.RowNumber, r.Fields[1])).Should().Equal((2, "A"), (4, "B"), (5, "C"), (7, "D"));
    }

    [Fact]
    public async Task A_quote_inside_an_unquoted_value_is_kept_and_spaces_around_a_quoted_value_are_ignored()
    {
        var (_, rows) = await ReadAllAsync(Utf8("height,name\n5'11\",  \"Ann\"  \n"));

        rows.Single().Fields.Should().Equal("5'11\"", "Ann");
        rows.Single().IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task Ragged_rows_are_reported_with_their_row_number_and_reading_goes_on()
    {
        var (_, rows) = await ReadAllAsync(Utf8("phone,name,city\n+1,A,X\n+2,B\n+3,C,Y,extra\n+4,D,Z\n"));

        rows.Select(r => r.RowNumber).Should().Equal(2, 3, 4, 5);
        rows[1].Error.Should().Be("Row 3 has 2 values but the header has 3 columns (is a comma or a quote out of place?).");
        rows[2].Error.Should().StartWith("Row 4 has 4 values");
        rows[2].Fields.Should().Equal("+3", "C", "Y", "extra");
        rows[3].IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task Broken_quoting_is_a_row_error()
    {
        var (_, rows) = await ReadAllAsync(Utf8("phone,name\n+1,\"Ann\"x\n+2,\"never closed\n+3,C\n"));

        rows[0].Error.Should().Contain("Row 2").And.Contain("after the closing quote");
        rows[1].RowNumber.Should().Be(3);
        rows[1].Error.Should().Contain("Row 3").And.Contain("never closed");
        rows.Should().HaveCount(2, "the unclosed quote swallowed the rest of the file");
    }

    [Theory]
    [InlineData("", "The file is empty")]
    [InlineData("\n+447911123456,Ann\n", "Row 1 is empty")]
    [InlineData("+447911123456,Ann\n+447911123457,Bob\n", "looks like a phone number")]
    [InlineData("phone,,name\n+1,x,A\n", "Column 2 of the header row has no name")]
    [InlineData("phone,name,Phone\n+1,A,B\n", "names \"Phone\" twice (columns 1 and 3)")]
    public async Task A_missing_or_unusable_header_stops_with_a_clear_message(string csv, string message)
    {
        var open = () => CsvReader.OpenAsync(Utf8(csv), 1024);

        (await open.Should().ThrowAsync<CsvFileException>()).Which.Message.Should().Contain(message);
    }

    [Fact]
    public async Task Latin1_text_is_refused_as_not_utf8_with_the_row()
    {
        var bytes = Encoding.Latin1.GetBytes("phone,name\n+447911123456,Ann\n+447911123457,José\n");

        var read = () => ReadAllAsync(new MemoryStream(bytes));

        (await read.Should().ThrowAsync<CsvFileException>()).Which.Message
            .Should().StartWith("The file is not UTF-8 text: save it as CSV UTF-8").And.Contain("row 3");
    }

    [Fact]
    public async Task Utf16_files_are_refused_with_or_without_a_byte_order_mark()
    {
        var withBom = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("phone,name\n+1,A\n")).ToArray();
        var withoutBom = Encoding.Unicode.GetBytes("phone,name\n+1,A\n");

        (await FluentActions.Awaiting(() => ReadAllAsync(new MemoryStream(withBom))).Should().ThrowAsync<CsvFileException>())
            .Which.Message.Should().Contain("not UTF-8").And.Contain("UTF-16");
        (await FluentActions.Awaiting(() => ReadAllAsync(new MemoryStream(withoutBom))).Should().ThrowAsync<CsvFileException>())
            .Which.Message.Should().Contain("not UTF-8");
    }

    [Fact]
    public async Task An_excel_workbook_is_recognised()
    {
        var zip = new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00 };

        (await FluentActions.Awaiting(() => ReadAllAsync(new MemoryStream(zip))).Should().ThrowAsync<CsvFileException>())
            .Which.Message.Should().Contain("CSV UTF-8");
    }

    [Fact]
    public async Task The_size_limit_is_enforced_while_reading()
    {
        var csv = "phone,name\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"+4479111{i:D5},Name {i}\n"));

        var read = () => ReadAllAsync(Utf8(csv), maxBytes: 1024 * 1024 / 512); // 2 KB

        (await read.Should().ThrowAsync<CsvFileException>()).Which.Message
            .Should().Be("The file is larger than the 2 KB limit: split it into smaller files.");
    }

    [Fact]
    public async Task Characters_split_across_reads_are_decoded_correctly()
    {
        const string csv = "phone;name\r\n+447911123456;\"Zoë 😀 Åsa\r\nsecond line\"\r\n+447911123457;Ōno\r\n";

        var (reader, rows) = await ReadAllAsync(new TrickleStream(Encoding.UTF8.GetBytes(csv)));

        reader.Delimiter.Should().Be(';');
        rows.Select(r => r.RowNumber).Should().Equal(2, 3);
        rows[0].Fields[1].Should().Be("Zoë 😀 Åsa\r\nsecond line");
        rows[1].Fields[1].Should().Be("Ōno");
    }

    [Fact]
    public async Task Rows_are_streamed_so_an_endless_file_can_be_read_from_the_start()
    {
        // If the reader tried to load the whole file this would never finish.
        using var reader = await CsvReader.OpenAsync(new EndlessCsvStream(), maxBytes: long.MaxValue);
        var first = new List<CsvRow>();
        await foreach (var row in reader.ReadRowsAsync())
        {
            first.Add(row);
            if (first.Count == 3)
                break;
        }

        reader.Header.Should().Equal("phone", "name");
        first.Select(r => r[1]).Should().Equal("Name 1", "Name 2", "Name 3");
    }

    /// <summary>Hands out one byte per read, the worst case for a decoder.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(1, buffer.Length)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }

    /// <summary>A CSV file without end, generated as it is read.</summary>
    private sealed class EndlessCsvStream : Stream
    {
        private byte[] _pending = Encoding.UTF8.GetBytes("phone,name\n");
        private int _offset;
        private int _row;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_offset == _pending.Length)
            {
                _row++;
                _pending = Encoding.UTF8.GetBytes($"+4479111{_row:D5},Name {_row}\n");
                _offset = 0;
            }
            var n = Math.Min(count, _pending.Length - _offset);
            Array.Copy(_pending, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
