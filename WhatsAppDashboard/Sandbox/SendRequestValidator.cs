using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WhatsAppDashboard.Sandbox;

/// <summary>A send the sandbox accepts: who it is for, which template, and what to echo back in webhooks.</summary>
public sealed record ValidSend(
    string To,
    string RecipientDigits,
    SandboxTemplate Template,
    string? CallbackData,
    IReadOnlyDictionary<int, string> QuickReplyPayloads);

/// <summary>Either a send that passes Meta's checks, or the error Meta would answer.</summary>
public sealed record SendCheck(ValidSend? Send, SandboxError? Error)
{
    public static SendCheck Fail(int code, string details) => new(null, new SandboxError(code, details));
}

/// <summary>
/// Checks a <c>POST /{phone-number-id}/messages</c> body the way the Cloud API does: product, recipient, template
/// name and language, approval, and that header, body and button parameters fit the template.
/// </summary>
public static class SendRequestValidator
{
    /// <summary>Meta's limit for <c>biz_opaque_callback_data</c>.</summary>
    public const int MaxCallbackDataLength = 512;

    public static SendCheck Check(JsonElement root, SandboxTemplateCatalogue catalogue)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return SendCheck.Fail(100, "The request body must be a JSON object.");
        if (Text(root, "messaging_product") != "whatsapp")
            return SendCheck.Fail(100, "messaging_product must be \"whatsapp\".");
        if (Text(root, "recipient_type") is { } recipientType && recipientType != "individual")
            return SendCheck.Fail(100, "recipient_type must be \"individual\".");

        if (Text(root, "to") is not { Length: > 0 } to)
            return SendCheck.Fail(131008, "The parameter 'to' is required.");
        if (RecipientDigits(to) is not { } digits)
            return SendCheck.Fail(100, $"'to' ({to}) is not a phone number.");
        if (digits.Length is < 8 or > 15)
            return SendCheck.Fail(131026, $"The recipient {to} does not have 8 to 15 digits.");

        var type = Text(root, "type") ?? "text";
        if (type != "template")
            return SendCheck.Fail(131051, $"Messages of type '{type}' are not simulated; the sandbox sends templates only.");
        if (!root.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.Object)
            return SendCheck.Fail(131008, "The parameter 'template' is required.");
        if (Text(template, "name") is not { Length: > 0 } name)
            return SendCheck.Fail(131008, "The parameter 'template.name' is required.");
        if (!template.TryGetProperty("language", out var language) || Text(language, "code") is not { Length: > 0 } languageCode)
            return SendCheck.Fail(131008, "The parameter 'template.language.code' is required.");

        var known = catalogue.Find(name, languageCode);
        if (known is null)
        {
            return SendCheck.Fail(132001, catalogue.HasName(name)
                ? $"template name ({name}) does not exist in {languageCode}"
                : $"template name ({name}) does not exist");
        }
        if (!known.IsApproved)
            return SendCheck.Fail(132001, $"template {name} ({languageCode}) is {known.Status}: only APPROVED templates can be sent");

        string? callbackData = null;
        if (root.TryGetProperty("biz_opaque_callback_data", out var callback))
        {
            if (callback.ValueKind != JsonValueKind.String)
                return SendCheck.Fail(100, "biz_opaque_callback_data must be a string.");
            callbackData = callback.GetString();
            if (callbackData!.Length > MaxCallbackDataLength)
                return SendCheck.Fail(100, $"biz_opaque_callback_data is longer than {MaxCallbackDataLength} characters.");
        }

        var components = ReadComponents(template);
        if (components.Error is { } componentError)
            return new SendCheck(null, componentError);

        var error = CheckHeader(known, components.Header) ?? CheckBody(known, components.Body);
        if (error is not null)
            return new SendCheck(null, error);
        var buttons = CheckButtons(known, components.Buttons);
        if (buttons.Error is not null)
            return new SendCheck(null, buttons.Error);

        return new SendCheck(new ValidSend(to, digits, known, callbackData, buttons.Payloads!), null);
    }

    /// <summary>The digits of a recipient, allowing a leading + and the usual separators; null for anything else.</summary>
    public static string? RecipientDigits(string to)
    {
        var digits = new StringBuilder(to.Length);
        foreach (var c in to.Trim())
        {
            if (char.IsAsciiDigit(c))
                digits.Append(c);
            else if (c is not ('+' or ' ' or '-' or '(' or ')' or '.'))
                return null;
        }
        return digits.ToString();
    }

    private sealed record Components(
        JsonElement? Header, List<JsonElement> Body, List<(string SubType, int Index, JsonElement Parameters)> Buttons, SandboxError? Error);

    private static Components ReadComponents(JsonElement template)
    {
        JsonElement? header = null;
        List<JsonElement>? body = null;
        var buttons = new List<(string, int, JsonElement)>();
        Components Failed(int code, string details) => new(null, [], [], new SandboxError(code, details));

        if (!template.TryGetProperty("components", out var components))
            return new Components(null, [], buttons, null);
        if (components.ValueKind != JsonValueKind.Array)
            return Failed(100, "template.components must be an array.");

        foreach (var component in components.EnumerateArray())
        {
            var type = Text(component, "type")?.ToLowerInvariant();
            var parameters = component.TryGetProperty("parameters", out var p) ? p : default;
            if (type is "header" or "body" or "button" && parameters.ValueKind != JsonValueKind.Array)
                return Failed(131008, $"The {type} component needs a 'parameters' array.");
            switch (type)
            {
                case "header" when header is not null:
                case "body" when body is not null:
                    return Failed(100, $"There is more than one {type} component.");
                case "header":
                    if (parameters.GetArrayLength() != 1)
                        return Failed(132000, $"The header takes exactly one parameter, not {parameters.GetArrayLength()}.");
                    header = parameters[0];
                    break;
                case "body":
                    body = parameters.EnumerateArray().ToList();
                    break;
                case "button":
                    var subType = Text(component, "sub_type")?.ToLowerInvariant();
                    if (subType is not ("quick_reply" or "url"))
                        return Failed(100, $"Button sub_type '{subType}' is not quick_reply or url.");
                    if (!TryIndex(component, out var index))
                        return Failed(100, "A button component needs its 'index' (0 to 9).");
                    if (buttons.Any(b => b.Item2 == index))
                        return Failed(100, $"Button index {index} is given twice.");
                    buttons.Add((subType, index, parameters));
                    break;
                default:
                    return Failed(100, $"Unknown component type '{Text(component, "type")}'.");
            }
        }
        return new Components(header, body ?? [], buttons, null);
    }

    private static SandboxError? CheckHeader(SandboxTemplate template, JsonElement? header)
    {
        if (!template.HeaderHasVariable)
            return header is null ? null : new SandboxError(132000, "The template's header takes no parameter.");

        var expected = template.HeaderFormat!.ToLowerInvariant();
        if (header is not { } parameter)
            return new SandboxError(131008, $"The template's {expected} header needs a parameter.");
        var actual = Text(parameter, "type");
        if (actual != expected)
            return new SandboxError(132012, $"The header parameter must be of type {expected}, not {actual ?? "(none)"}.");
        if (expected == "text")
            return Text(parameter, "text") is { Length: > 0 } ? null : new SandboxError(131009, "The header text is empty.");

        var media = parameter.TryGetProperty(expected, out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        if (media.ValueKind != JsonValueKind.Object || (Text(media, "link") is not { Length: > 0 } && Text(media, "id") is not { Length: > 0 }))
            return new SandboxError(131009, $"The {expected} header needs a link (or a media id).");
        if (Text(media, "link") is { } link && !Uri.TryCreate(link, UriKind.Absolute, out _))
            return new SandboxError(131009, $"The {expected} link '{link}' is not an absolute URL.");
        return null;
    }

    private static SandboxError? CheckBody(SandboxTemplate template, List<JsonElement> parameters)
    {
        var expected = template.BodyVariables.Count;
        if (parameters.Count != expected)
        {
            return new SandboxError(132000,
                $"body: number of localizable_params ({parameters.Count}) does not match the expected number of params ({expected})");
        }
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            if (Text(parameter, "type") != "text")
                return new SandboxError(132012, $"Body parameters must be of type text, not {Text(parameter, "type") ?? "(none)"}.");
            if (Text(parameter, "text") is not { Length: > 0 })
                return new SandboxError(131009, "A body parameter's text is empty.");
            if (!template.IsNamed)
                continue;
            var name = Text(parameter, "parameter_name");
            if (name is null || !template.BodyVariables.Contains(name))
                return new SandboxError(132000, $"parameter_name '{name}' is not a parameter of the template ({string.Join(", ", template.BodyVariables)}).");
            if (!named.Add(name))
                return new SandboxError(132000, $"parameter_name '{name}' is given twice.");
        }
        return null;
    }

    private static (Dictionary<int, string>? Payloads, SandboxError? Error) CheckButtons(
        SandboxTemplate template, List<(string SubType, int Index, JsonElement Parameters)> buttons)
    {
        var payloads = new Dictionary<int, string>();
        foreach (var (subType, index, parameters) in buttons)
        {
            var button = template.Buttons.FirstOrDefault(b => b.Index == index);
            var matches = button is not null && (subType == "quick_reply" ? button.IsQuickReply : button.IsUrl);
            if (!matches)
                return (null, new SandboxError(131009, $"The template has no {subType} button at index {index}."));
            if (parameters.GetArrayLength() != 1)
                return (null, new SandboxError(132000, $"The button at index {index} takes exactly one parameter."));
            var parameter = parameters[0];
            if (subType == "quick_reply")
            {
                if (Text(parameter, "type") != "payload" || Text(parameter, "payload") is not { } payload)
                    return (null, new SandboxError(131009, $"The quick-reply button at index {index} needs a payload parameter."));
                payloads[index] = payload;
            }
            else
            {
                if (!button!.UrlHasVariable)
                    return (null, new SandboxError(132000, $"The URL button at index {index} has no variable."));
                if (Text(parameter, "type") != "text" || Text(parameter, "text") is not { Length: > 0 })
                    return (null, new SandboxError(131009, $"The URL button at index {index} needs a text parameter."));
            }
        }
        var missing = template.Buttons.FirstOrDefault(b => b.IsUrl && b.UrlHasVariable && buttons.All(p => p.Index != b.Index));
        if (missing is not null)
            return (null, new SandboxError(131008, $"The URL button at index {missing.Index} needs its URL suffix parameter."));
        return (payloads, null);
    }

    private static bool TryIndex(JsonElement component, out int index)
    {
        index = -1;
        if (!component.TryGetProperty("index", out var value))
            return false;
        var parsed = value.ValueKind switch
        {
            JsonValueKind.String => int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1,
            JsonValueKind.Number => value.TryGetInt32(out var n) ? n : -1,
            _ => -1,
        };
        index = parsed;
        return parsed is >= 0 and <= 9;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
