using WhatsAppDashboard.Common;

namespace WhatsAppDashboard.Tests.Common;

public sealed class PhoneNumbersTests
{
    public static TheoryData<string, string, string?, string> ValidNumbers => new()
    {
        // country, raw, default country code, expected E.164
        { "India", "+91 98765 43210", null, "+919876543210" },
        { "India", "98765 43210", "91", "+919876543210" },
        { "India", "098765-43210", "+91", "+919876543210" },
        { "India", "0091 98765 43210", null, "+919876543210" },
        { "Brazil", "+55 (11) 91234-5678", null, "+5511912345678" },
        { "Brazil", "(11) 91234-5678", "55", "+5511912345678" },
        { "Brazil", "011 91234-5678", "55", "+5511912345678" },
        { "Brazil", "0055 11 91234 5678", "1", "+5511912345678" },
        { "UK", "+44 7911 123456", null, "+447911123456" },
        { "UK", "07911 123456", "44", "+447911123456" },
        { "UK", "7911 123456", "0044", "+447911123456" },
        { "UK", "0044 7911 123456", null, "+447911123456" },
        { "UK", "+44 (0)7911 123456", null, "+447911123456" },
        { "UK", "  +44\u00A07911\u00A0123456  ", null, "+447911123456" },
        { "US", "+1 (415) 555-0100", null, "+14155550100" },
        { "US", "(415) 555-0100", "1", "+14155550100" },
        { "US", "415.555.0100", "+1", "+14155550100" },
        { "US", "001 415 555 0100", "44", "+14155550100" },
        { "Germany", "+49 30 1234567", null, "+49301234567" },
        { "Germany", "030 1234567", "49", "+49301234567" },
        { "Germany", "0151 23456789", "49", "+4915123456789" },
        { "Germany", "+49 (0)30 / 123 45 67", null, "+49301234567" },
        { "Germany", "0049-30-1234567", null, "+49301234567" },
        { "Nigeria", "+234 803 123 4567", null, "+2348031234567" },
        { "Nigeria", "0803 123 4567", "234", "+2348031234567" },
        { "Nigeria", "00234 803 123 4567", null, "+2348031234567" },
        { "Nigeria", "0803-123-4567", "+234", "+2348031234567" },
        { "Indonesia", "+62 812-3456-7890", null, "+6281234567890" },
        { "Indonesia", "0812 3456 7890", "62", "+6281234567890" },
        { "Indonesia", "0062 812 3456 7890", null, "+6281234567890" },
        { "Indonesia", "(0812) 3456.7890", "62", "+6281234567890" },
        // Italy keeps the leading 0 of fixed lines in international form.
        { "Italy", "06 1234 5678", "39", "+390612345678" },
        // A space between + and the country code is only formatting.
        { "UK", "+ 44 7911 123456", null, "+447911123456" },
        // The shortest and longest lengths E.164 allows.
        { "Short", "+12345678", null, "+12345678" },
        { "Long", "+123456789012345", null, "+123456789012345" },
        // The international prefix wins over the default country code.
        { "UK", "+44 7911 123456", "91", "+447911123456" },
    };

    [Theory]
    [MemberData(nameof(ValidNumbers))]
    public void Valid_numbers_become_E164(string country, string raw, string? defaultCountryCode, string expected)
    {
        var result = PhoneNumbers.Normalize(raw, defaultCountryCode);

        result.IsValid.Should().BeTrue("{0} number \"{1}\" is valid, but got: {2}", country, raw, result.Error);
        result.E164.Should().Be(expected);
    }

    public static TheoryData<string, string?, string?, string> InvalidNumbers => new()
    {
        // case, raw, default country code, expected part of the reason
        { "empty", "", "44", "empty" },
        { "blank", "   ", "44", "empty" },
        { "null", null, "44", "empty" },
        { "too short", "+44 7911", null, "too short" },
        { "too short national", "123 456", "1", "too short" },
        { "too long", "+44 7911 123456 7890", null, "too long" },
        { "too long national", "07911 123456 7890", "44", "too long" },
        { "letters", "1-800-FLOWERS", "1", "letters" },
        { "an extension", "+44 7911 123456 ext 2", null, "letters" },
        { "only symbols", "()- -.", "44", "no digits" },
        { "only plus signs", "+", "44", "no digits" },
        { "national without default", "07911 123456", null, "no country code" },
        { "national with empty default", "07911 123456", "", "no country code" },
        { "bad default country code", "07911 123456", "4444", "default country code" },
        { "letters in the default country code", "07911 123456", "UK", "default country code" },
        { "plus in the middle", "44+7911123456", null, "not at the start" },
        { "two plus signs", "++447911123456", null, "not at the start" },
        { "country code starting with 0", "+0447911123456", null, "never start with 0" },
        { "00 then 0", "000447911123456", null, "never start with 0" },
        { "stray symbol", "+44 7911 123456#", null, "'#'" },
        { "comma", "+44 7911,123456", null, "','" },
    };

    [Theory]
    [MemberData(nameof(InvalidNumbers))]
    public void Malformed_numbers_are_refused_with_a_reason(string @case, string? raw, string? defaultCountryCode, string reason)
    {
        var result = PhoneNumbers.Normalize(raw, defaultCountryCode);

        result.IsValid.Should().BeFalse("{0} must be refused, but became {1}", @case, result.E164);
        result.Error.Should().Contain(reason);
    }

    [Fact]
    public void A_character_outside_the_basic_plane_is_named_whole_so_the_reason_can_be_stored()
    {
        var result = PhoneNumbers.Normalize("+44 7911 😀😀", null);

        result.Error.Should().Contain("'😀'");
        // Half an emoji (a lone surrogate) cannot be encoded as UTF-8, so PostgreSQL could not store the reason.
        var strict = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true);
        strict.Invoking(e => e.GetBytes(result.Error!)).Should().NotThrow();
    }

    [Theory]
    [InlineData("447911123456", "44", "+44447911123456")]
    [InlineData("+44 44 7911 123456", null, "+44447911123456")]
    [InlineData("1 415 555 0100", "1", "+114155550100")]
    public void A_duplicated_country_code_is_not_silently_fixed(string raw, string? defaultCountryCode, string literal)
    {
        // Without numbering plans we cannot know the country code was typed twice; guessing would turn
        // some real numbers into someone else's, so the digits are taken as written.
        PhoneNumbers.Normalize(raw, defaultCountryCode).E164.Should().Be(literal);
    }

    [Theory]
    [InlineData("44", "44")]
    [InlineData("+44", "44")]
    [InlineData(" + 234 ", "234")]
    [InlineData("0049", "49")]
    [InlineData("1", "1")]
    [InlineData("", null)]
    [InlineData("0", null)]
    [InlineData("1234", null)]
    [InlineData("4a", null)]
    public void Country_codes_are_one_to_three_digits(string code, string? expected) =>
        PhoneNumbers.NormalizeCountryCode(code).Should().Be(expected);
}
