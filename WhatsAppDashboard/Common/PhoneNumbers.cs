using System.Diagnostics.CodeAnalysis;

namespace WhatsAppDashboard.Common;

/// <summary>The outcome of normalising a phone number: the E.164 form, or why there is none.</summary>
public sealed record PhoneNumberResult
{
    /// <summary>"+" followed by 8 to 15 digits, for example <c>+447911123456</c>; null when invalid.</summary>
    public string? E164 { get; private init; }

    /// <summary>A sentence for the user saying what is wrong; null when valid.</summary>
    public string? Error { get; private init; }

    [MemberNotNullWhen(true, nameof(E164))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => E164 is not null;

    public static PhoneNumberResult Valid(string e164) => new() { E164 = e164 };

    public static PhoneNumberResult Invalid(string error) => new() { Error = error };
}

/// <summary>
/// Our own E.164 normaliser. It knows no numbering plans, so it never guesses a country: a number is
/// international when written with <c>+</c> or <c>00</c>, and otherwise needs the default country code the
/// user chose. It strips formatting, drops a national trunk <c>0</c>, and checks the total length
/// (E.164 allows at most 15 digits; no real number is shorter than 8).
/// </summary>
public static class PhoneNumbers
{
    public const int MinDigits = 8;
    public const int MaxDigits = 15;

    /// <summary>
    /// Countries whose national numbers keep their leading 0 in international form (Italy and San Marino for
    /// fixed lines, Côte d'Ivoire and Benin since their ten-digit plans), so it is not a trunk prefix there.
    /// </summary>
    private static readonly HashSet<string> LeadingZeroKept = ["39", "378", "225", "229"];

    /// <summary>Normalises <paramref name="raw"/> to E.164, applying <paramref name="defaultCountryCode"/>
    /// ("44", "+44" or "0044") only to numbers written without an international prefix.</summary>
    public static PhoneNumberResult Normalize(string? raw, string? defaultCountryCode)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return PhoneNumberResult.Invalid("The phone number is empty.");

        var text = raw.Trim();
        foreach (var c in text)
        {
            if (char.IsLetter(c))
                return PhoneNumberResult.Invalid($"\"{text}\" contains letters; enter the number with digits only.");
        }

        // "+44 (0)20 …": the bracketed 0 is the national trunk prefix, written for callers inside the country.
        var scanned = text.StartsWith('+') || text.StartsWith("00", StringComparison.Ordinal) ? text.Replace("(0)", "") : text;
        // Digits on the stack: this runs once per row of an import, so it allocates nothing but the result.
        Span<char> digits = scanned.Length <= 64 ? stackalloc char[64] : new char[scanned.Length];
        var count = 0;
        var hasPlus = false;
        for (var i = 0; i < scanned.Length; i++)
        {
            var c = scanned[i];
            if (c is >= '0' and <= '9')
                digits[count++] = c;
            else if (c == '+')
            {
                // A plus is only meaningful in front of the country code.
                if (hasPlus || count > 0)
                    return PhoneNumberResult.Invalid($"\"{text}\" has a + that is not at the start.");
                hasPlus = true;
            }
            else if (!IsFormatting(c))
            {
                // The whole character, not half of it: a lone surrogate (half an emoji) cannot be stored or shown.
                var shown = System.Text.Rune.DecodeFromUtf16(scanned.AsSpan(i), out var rune, out _) == System.Buffers.OperationStatus.Done
                    ? rune.ToString()
                    : "\uFFFD";
                return PhoneNumberResult.Invalid($"\"{text}\" contains '{shown}', which is not part of a phone number.");
            }
        }

        if (count == 0)
            return PhoneNumberResult.Invalid($"\"{text}\" contains no digits.");

        ReadOnlySpan<char> written = digits[..count];
        scoped ReadOnlySpan<char> international;
        if (hasPlus)
            international = written;
        else if (count > 2 && written[0] == '0' && written[1] == '0')
            international = written[2..];
        else
        {
            var country = NormalizeCountryCode(defaultCountryCode);
            if (country is null)
            {
                return string.IsNullOrWhiteSpace(defaultCountryCode)
                    ? PhoneNumberResult.Invalid(
                        $"\"{text}\" has no country code: write it with + (for example +44…) or choose a default country code.")
                    : PhoneNumberResult.Invalid($"The default country code \"{defaultCountryCode.Trim()}\" is not valid: use 1 to 3 digits, such as 44.");
            }
            var national = written;
            if (national[0] == '0' && !LeadingZeroKept.Contains(country))
                national = national[1..];
            international = string.Concat(country, national);
        }

        if (international.Length == 0 || international[0] == '0')
            return PhoneNumberResult.Invalid($"\"{text}\" does not start with a country code (country codes never start with 0).");
        if (international.Length < MinDigits)
            return PhoneNumberResult.Invalid(
                $"\"{text}\" is too short: a full number has {MinDigits} to {MaxDigits} digits with its country code, this one has {international.Length}.");
        if (international.Length > MaxDigits)
            return PhoneNumberResult.Invalid(
                $"\"{text}\" is too long: a full number has at most {MaxDigits} digits with its country code, this one has {international.Length}.");
        return PhoneNumberResult.Valid(string.Concat("+", international));
    }

    /// <summary>The digits of a country code written as "44", "+44" or "0044"; null when it is not 1 to 3 digits
    /// starting with 1-9.</summary>
    public static string? NormalizeCountryCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
            return null;
        var text = code.Trim();
        if (text.StartsWith('+'))
            text = text[1..].TrimStart();
        else if (text.StartsWith("00", StringComparison.Ordinal))
            text = text[2..];
        return text.Length is >= 1 and <= 3 && text.All(c => c is >= '0' and <= '9') && text[0] != '0' ? text : null;
    }

    /// <summary>Characters people use to lay out numbers: spaces (including no-break and thin ones), dashes,
    /// dots, slashes and parentheses.</summary>
    private static bool IsFormatting(char c) =>
        c is ' ' or '\t' or '-' or '.' or '(' or ')' or '/' or '\u00A0' or '\u2007' or '\u202F' or '\u2009'
            or '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014';
}
