using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WhatsAppDashboard.Features.Templates;

public enum TemplateHeaderFormat { None, Text, Image, Document, Video, Location }

public enum TemplateButtonType { QuickReply, Url, PhoneNumber, CopyCode, Other }

/// <summary>Where a variable's value goes when the message is sent.</summary>
public enum TemplateVariableLocation { Header, Body, Button }

/// <summary>What a variable stands for: text in a header or body, the dynamic end of a URL button, or a coupon code.</summary>
public enum TemplateVariableKind { Text, UrlSuffix, CouponCode }

/// <summary>
/// One value a campaign must supply. <see cref="Key"/> is "1", "2", … for positional templates and the parameter
/// name for named ones; <see cref="Sample"/> is Meta's example value, when the template has one.
/// </summary>
public sealed record TemplateVariable(
    TemplateVariableLocation Location, TemplateVariableKind Kind, string Key, int? ButtonIndex, string? Sample)
{
    /// <summary>The number of a positional variable (<c>{{3}}</c> is 3); null for named ones and coupon codes.</summary>
    public int? Position => Kind != TemplateVariableKind.CouponCode && int.TryParse(Key, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>As it appears in the template text, for example <c>{{1}}</c> or <c>{{first_name}}</c>.</summary>
    public string Placeholder => Kind == TemplateVariableKind.CouponCode ? "coupon code" : "{{" + Key + "}}";

    /// <summary>For people: "Header {{1}}", "Body {{first_name}}", "Button 2 URL {{1}}", "Button 3 coupon code".</summary>
    public string Label => Location switch
    {
        TemplateVariableLocation.Header => $"Header {Placeholder}",
        TemplateVariableLocation.Body => $"Body {Placeholder}",
        _ => Kind == TemplateVariableKind.CouponCode ? $"Button {ButtonIndex + 1} coupon code" : $"Button {ButtonIndex + 1} URL {Placeholder}",
    };
}

public sealed record TemplateHeader(TemplateHeaderFormat Format, string? Text, string? MediaSample);

public sealed record TemplateButton(int Index, TemplateButtonType Type, string Text, string? Url, string? PhoneNumber);

/// <summary>A piece of template text: literal text, or a variable placeholder (its key in <see cref="Text"/>).</summary>
public sealed record TemplateTextSegment(string Text, bool IsVariable);

/// <summary>
/// A template's structure read from Meta's <c>components</c> array: header, body, footer, buttons, and the
/// variables a campaign has to fill. Positional variables are ordered by number (1, 2, … 10, never as text);
/// named ones by first appearance; each is listed once per component. Never throws: what cannot be read is
/// reported in <see cref="Problems"/>.
/// </summary>
public sealed partial class TemplateDefinition
{
    public const string NamedFormat = "NAMED";
    public const string PositionalFormat = "POSITIONAL";

    public TemplateHeader? Header { get; private init; }
    public string Body { get; private init; } = "";
    public string? Footer { get; private init; }
    public IReadOnlyList<TemplateButton> Buttons { get; private init; } = [];
    /// <summary>All variables: the header's, then the body's, then each button's in button order.</summary>
    public IReadOnlyList<TemplateVariable> Variables { get; private init; } = [];
    public bool UsesNamedParameters { get; private init; }
    public IReadOnlyList<string> Problems { get; private init; } = [];

    public IEnumerable<TemplateVariable> HeaderVariables => Variables.Where(v => v.Location == TemplateVariableLocation.Header);
    public IEnumerable<TemplateVariable> BodyVariables => Variables.Where(v => v.Location == TemplateVariableLocation.Body);
    public IEnumerable<TemplateVariable> ButtonVariables => Variables.Where(v => v.Location == TemplateVariableLocation.Button);

    public static TemplateDefinition Parse(WhatsAppTemplate template) => Parse(template.ComponentsJson, template.ParameterFormat);

    public static TemplateDefinition Parse(string? componentsJson, string? parameterFormat = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(string.IsNullOrWhiteSpace(componentsJson) ? "[]" : componentsJson);
        }
        catch (JsonException)
        {
            return new TemplateDefinition { Problems = ["The template's components are not valid JSON."] };
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                return new TemplateDefinition { Problems = ["The template's components are not a list."] };
            return Read(document.RootElement, parameterFormat);
        }
    }

    /// <summary>Splits text into literal parts and <c>{{…}}</c> placeholders, in order.</summary>
    public static IReadOnlyList<TemplateTextSegment> Segments(string? text)
    {
        var segments = new List<TemplateTextSegment>();
        if (string.IsNullOrEmpty(text))
            return segments;
        var position = 0;
        foreach (Match match in PlaceholderPattern().Matches(text))
        {
            if (match.Index > position)
                segments.Add(new(text[position..match.Index], false));
            segments.Add(new(match.Groups[1].Value, true));
            position = match.Index + match.Length;
        }
        if (position < text.Length)
            segments.Add(new(text[position..], false));
        return segments;
    }

    /// <summary>The distinct placeholder keys of a text: numbers in numeric order, or names in order of appearance.</summary>
    public static IReadOnlyList<string> KeysIn(string? text)
    {
        var keys = Segments(text).Where(s => s.IsVariable).Select(s => s.Text).Distinct(StringComparer.Ordinal).ToList();
        return keys.All(IsNumber)
            ? keys.OrderBy(k => int.Parse(k, NumberStyles.None, CultureInfo.InvariantCulture)).ToList()
            : keys;
    }

    private static TemplateDefinition Read(JsonElement components, string? parameterFormat)
    {
        var problems = new List<string>();
        TemplateHeader? header = null;
        string body = "";
        string? footer = null;
        var buttons = new List<TemplateButton>();
        var headerVariables = new List<TemplateVariable>();
        var bodyVariables = new List<TemplateVariable>();
        var buttonVariables = new List<TemplateVariable>();

        foreach (var component in components.EnumerateArray())
        {
            if (component.ValueKind != JsonValueKind.Object)
                continue;
            var example = component.TryGetProperty("example", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
            switch (Upper(String(component, "type")))
            {
                case "HEADER":
                    var format = ParseHeaderFormat(String(component, "format"));
                    if (format == TemplateHeaderFormat.Text)
                    {
                        var text = String(component, "text") ?? "";
                        header = new TemplateHeader(format, text, null);
                        var keys = KeysIn(text);
                        if (keys.Count > 1)
                            problems.Add("The header has more than one variable; Meta allows one.");
                        headerVariables.AddRange(keys.Select((key, i) => new TemplateVariable(
                            TemplateVariableLocation.Header, TemplateVariableKind.Text, key, null,
                            Sample(example, "header_text", "header_text_named_params", key, i, nested: false))));
                    }
                    else
                    {
                        header = new TemplateHeader(format, null, FirstString(example, "header_handle") ?? FirstString(example, "header_url"));
                    }
                    break;
                case "BODY":
                    body = String(component, "text") ?? "";
                    bodyVariables.AddRange(KeysIn(body).Select((key, i) => new TemplateVariable(
                        TemplateVariableLocation.Body, TemplateVariableKind.Text, key, null,
                        Sample(example, "body_text", "body_text_named_params", key, i, nested: true))));
                    break;
                case "FOOTER":
                    footer = String(component, "text");
                    break;
                case "BUTTONS":
                    if (component.TryGetProperty("buttons", out var list) && list.ValueKind == JsonValueKind.Array)
                        foreach (var button in list.EnumerateArray())
                            ReadButton(button, buttons, buttonVariables, problems);
                    break;
            }
        }

        var all = headerVariables.Concat(bodyVariables).Concat(buttonVariables).ToList();
        var named = string.Equals(parameterFormat, NamedFormat, StringComparison.OrdinalIgnoreCase)
            || all.Any(v => v.Kind == TemplateVariableKind.Text && v.Position is null);
        return new TemplateDefinition
        {
            Header = header,
            Body = body,
            Footer = footer,
            Buttons = buttons,
            Variables = all,
            UsesNamedParameters = named,
            Problems = problems,
        };
    }

    private static void ReadButton(JsonElement button, List<TemplateButton> buttons, List<TemplateVariable> variables, List<string> problems)
    {
        if (button.ValueKind != JsonValueKind.Object)
            return;
        var index = buttons.Count;
        var type = Upper(String(button, "type")) switch
        {
            "QUICK_REPLY" => TemplateButtonType.QuickReply,
            "URL" => TemplateButtonType.Url,
            "PHONE_NUMBER" => TemplateButtonType.PhoneNumber,
            "COPY_CODE" => TemplateButtonType.CopyCode,
            _ => TemplateButtonType.Other,
        };
        var url = String(button, "url");
        var text = String(button, "text") ?? (type == TemplateButtonType.CopyCode ? "Copy offer code" : "");
        buttons.Add(new TemplateButton(index, type, text, url, String(button, "phone_number")));

        if (type == TemplateButtonType.Url)
        {
            var keys = KeysIn(url);
            if (keys.Count > 1)
                problems.Add($"Button {index + 1} has more than one URL variable; Meta allows one, at the end.");
            var exampleUrl = FirstString(button, "example");
            variables.AddRange(keys.Select(key => new TemplateVariable(
                TemplateVariableLocation.Button, TemplateVariableKind.UrlSuffix, key, index, UrlSuffixSample(url!, key, exampleUrl))));
        }
        else if (type == TemplateButtonType.CopyCode)
        {
            var code = button.TryGetProperty("example", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : FirstString(button, "example");
            variables.Add(new TemplateVariable(TemplateVariableLocation.Button, TemplateVariableKind.CouponCode, "coupon_code", index, code));
        }
    }

    /// <summary>Meta's example for a URL button is the whole URL; the sample value is what replaces the placeholder.</summary>
    private static string? UrlSuffixSample(string url, string key, string? exampleUrl)
    {
        if (exampleUrl is null)
            return null;
        var placeholder = PlaceholderPattern().Matches(url).FirstOrDefault(m => m.Groups[1].Value == key);
        if (placeholder is null)
            return exampleUrl;
        var prefix = url[..placeholder.Index];
        var suffix = url[(placeholder.Index + placeholder.Length)..];
        if (!exampleUrl.StartsWith(prefix, StringComparison.Ordinal) || !exampleUrl.EndsWith(suffix, StringComparison.Ordinal)
            || exampleUrl.Length < prefix.Length + suffix.Length)
            return exampleUrl;
        return exampleUrl[prefix.Length..(exampleUrl.Length - suffix.Length)];
    }

    /// <summary>
    /// A variable's example: for named parameters, the entry of <paramref name="namedProperty"/> with its name; for
    /// positional ones, the value at its number in <paramref name="positionalProperty"/> (a list of lists for the body).
    /// </summary>
    private static string? Sample(JsonElement example, string positionalProperty, string namedProperty, string key, int order, bool nested)
    {
        if (example.ValueKind != JsonValueKind.Object)
            return null;
        if (!IsNumber(key))
        {
            if (!example.TryGetProperty(namedProperty, out var named) || named.ValueKind != JsonValueKind.Array)
                return null;
            foreach (var entry in named.EnumerateArray())
                if (entry.ValueKind == JsonValueKind.Object && String(entry, "param_name") == key)
                    return String(entry, "example");
            return null;
        }
        if (!example.TryGetProperty(positionalProperty, out var values) || values.ValueKind != JsonValueKind.Array)
            return null;
        if (nested)
        {
            if (values.GetArrayLength() == 0 || values[0].ValueKind != JsonValueKind.Array)
                return null;
            values = values[0];
        }
        // Examples are listed by number: {{1}} first. A header has one variable, whatever its number.
        var slot = nested ? int.Parse(key, NumberStyles.None, CultureInfo.InvariantCulture) - 1 : order;
        return slot >= 0 && slot < values.GetArrayLength() && values[slot].ValueKind == JsonValueKind.String ? values[slot].GetString() : null;
    }

    private static TemplateHeaderFormat ParseHeaderFormat(string? format) => Upper(format) switch
    {
        "TEXT" => TemplateHeaderFormat.Text,
        "IMAGE" => TemplateHeaderFormat.Image,
        "DOCUMENT" => TemplateHeaderFormat.Document,
        "VIDEO" => TemplateHeaderFormat.Video,
        "LOCATION" => TemplateHeaderFormat.Location,
        _ => TemplateHeaderFormat.Text,
    };

    private static string? FirstString(JsonElement element, string property)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(property, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.String
            ? value[0].GetString()
            : null;
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Upper(string? value) => value?.ToUpperInvariant() ?? "";

    private static bool IsNumber(string key) => key.Length is > 0 and <= 9 && key.All(char.IsAsciiDigit);

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex PlaceholderPattern();
}
