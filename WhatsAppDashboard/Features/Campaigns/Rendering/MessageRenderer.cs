using System.Globalization;
using System.Text;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns.Rendering;

/// <summary>A piece of rendered text: template text, or the value put in for a variable (<see cref="VariableKey"/>).</summary>
public sealed record RenderedPart(string Text, string? VariableKey = null, bool IsEmpty = false);

/// <summary>A button as the recipient sees it: URL buttons with their suffix filled in, copy-code buttons with their code.</summary>
public sealed record RenderedButton(int Index, TemplateButtonType Type, string Text, string? Url, string? CouponCode, string? PhoneNumber);

/// <summary>The message as the recipient will read it, built from the same values as the <see cref="TemplateMessage"/>.</summary>
public sealed record RenderedPreview(
    TemplateHeaderFormat? HeaderFormat,
    IReadOnlyList<RenderedPart> HeaderParts,
    string? HeaderMediaUrl,
    IReadOnlyList<RenderedPart> BodyParts,
    string? Footer,
    IReadOnlyList<RenderedButton> Buttons)
{
    public string HeaderText => string.Concat(HeaderParts.Select(p => p.Text));

    public string BodyText => string.Concat(BodyParts.Select(p => p.Text));

    /// <summary>The whole message as text: header, body, footer, then one line per button.</summary>
    public string ToPlainText()
    {
        var text = new StringBuilder();
        if (HeaderFormat == TemplateHeaderFormat.Text)
            text.Append(HeaderText).Append('\n');
        else if (HeaderFormat is { } format)
            text.Append('[').Append(format).Append(": ").Append(HeaderMediaUrl).Append("]\n");
        text.Append(BodyText);
        if (!string.IsNullOrEmpty(Footer))
            text.Append('\n').Append(Footer);
        foreach (var button in Buttons)
        {
            text.Append("\n[").Append(button.Text);
            if (button.Url is not null)
                text.Append(" → ").Append(button.Url);
            if (button.CouponCode is not null)
                text.Append(": ").Append(button.CouponCode);
            if (button.PhoneNumber is not null)
                text.Append(": ").Append(button.PhoneNumber);
            text.Append(']');
        }
        return text.ToString();
    }
}

/// <summary>
/// One recipient's message: what goes to the Cloud API, what the preview shows (from the same resolved values), and
/// the slots whose value came out empty (no value and no fallback; Meta refuses empty parameters).
/// </summary>
public sealed record RenderedMessage(TemplateMessage Message, RenderedPreview Preview, IReadOnlyList<string> EmptySlots);

/// <summary>
/// Builds each recipient's message from a template, the campaign's mappings and an audience member. Pure: no
/// database, no clock, so the wizard's preview and the dispatcher share it, and the preview is what will be sent.
/// Create one per campaign run and call <see cref="Render"/> per recipient.
/// </summary>
public sealed class MessageRenderer
{
    private readonly string _templateName;
    private readonly string _languageCode;
    private readonly TemplateDefinition _definition;
    private readonly IReadOnlyDictionary<string, ParameterMapping> _mappings;
    private readonly IReadOnlyList<MappingSlot> _slots;

    public MessageRenderer(string templateName, string languageCode, TemplateDefinition definition, IReadOnlyDictionary<string, ParameterMapping> mappings)
    {
        _templateName = templateName;
        _languageCode = languageCode;
        _definition = definition;
        _mappings = mappings;
        _slots = ParameterSlots.Of(definition);
    }

    public static MessageRenderer For(WhatsAppTemplate template, IReadOnlyDictionary<string, ParameterMapping> mappings) =>
        new(template.Name, template.Language, TemplateDefinition.Parse(template), mappings);

    public TemplateDefinition Definition => _definition;

    public IReadOnlyList<MappingSlot> Slots => _slots;

    /// <param name="member">The recipient; its phone should already be E.164.</param>
    /// <param name="daysLeft">The <c>{days_left}</c> value of this run, or null when the campaign has none.</param>
    /// <param name="callbackData">Passed to Meta as <c>biz_opaque_callback_data</c> and echoed in status webhooks.</param>
    public RenderedMessage Render(AudienceMember member, int? daysLeft, string? callbackData = null)
    {
        var values = new Dictionary<string, ResolvedValue>(_slots.Count);
        var empty = new List<string>();
        foreach (var slot in _slots)
        {
            var value = Resolve(_mappings.GetValueOrDefault(slot.Key), member, daysLeft);
            values[slot.Key] = value;
            if (value.IsEmpty)
                empty.Add(slot.Key);
        }

        var named = _definition.UsesNamedParameters;
        HeaderParameter? headerParameter = null;
        IReadOnlyList<RenderedPart> headerParts = [];
        string? mediaUrl = null;
        if (_definition.Header is { } header)
        {
            if (header.Format == TemplateHeaderFormat.Text)
            {
                headerParts = Substitute(header.Text, key => values.GetValueOrDefault($"header.{key}"));
                if (_definition.HeaderVariables.FirstOrDefault() is { } variable)
                    headerParameter = new HeaderParameter(HeaderKind.Text, values[ParameterMappings.KeyOf(variable)].Text, Name: named ? variable.Key : null);
            }
            else if (MediaKind(header.Format) is { } kind)
            {
                mediaUrl = values[ParameterMappings.HeaderMediaKey].Text;
                headerParameter = new HeaderParameter(kind, mediaUrl);
            }
        }

        var bodyParameters = _definition.BodyVariables
            .Select(v => new TextParameter(values[ParameterMappings.KeyOf(v)].Text, named ? v.Key : null))
            .ToList();
        var bodyParts = Substitute(_definition.Body, key => values.GetValueOrDefault($"body.{key}"));

        var buttonParameters = new List<ButtonParameter>();
        var buttons = new List<RenderedButton>();
        foreach (var button in _definition.Buttons)
        {
            var variables = _definition.ButtonVariables.Where(v => v.ButtonIndex == button.Index).ToList();
            switch (button.Type)
            {
                case TemplateButtonType.Url:
                    var url = button.Url is null ? null : string.Concat(
                        Substitute(button.Url, key => values.GetValueOrDefault($"button.{button.Index}.{key}")).Select(p => p.Text));
                    // Meta's URL buttons have one variable, at the end: its value is the suffix.
                    if (variables.FirstOrDefault() is { } suffix)
                        buttonParameters.Add(new ButtonParameter(button.Index, ButtonParameterKind.Url, values[ParameterMappings.KeyOf(suffix)].Text));
                    buttons.Add(new RenderedButton(button.Index, button.Type, button.Text, url, null, null));
                    break;
                case TemplateButtonType.CopyCode:
                    var code = variables.FirstOrDefault() is { } coupon ? values[ParameterMappings.KeyOf(coupon)].Text : "";
                    buttonParameters.Add(new ButtonParameter(button.Index, ButtonParameterKind.CouponCode, code));
                    buttons.Add(new RenderedButton(button.Index, button.Type, button.Text, null, code, null));
                    break;
                default:
                    // Quick replies need no parameter: Meta sends the button's text back when it is pressed.
                    buttons.Add(new RenderedButton(button.Index, button.Type, button.Text, null, null, button.PhoneNumber));
                    break;
            }
        }

        var message = new TemplateMessage(
            Digits(member.Phone), _templateName, _languageCode, headerParameter, bodyParameters, buttonParameters, callbackData);
        var preview = new RenderedPreview(_definition.Header?.Format, headerParts, mediaUrl, bodyParts, _definition.Footer, buttons);
        return new RenderedMessage(message, preview, empty);
    }

    /// <summary>
    /// The value of a mapping for one member: the field, text or days left, else the fallback when that is blank,
    /// else empty. Values are trimmed and their line breaks, tabs and runs of spaces become single spaces, because
    /// Meta refuses parameters containing them.
    /// </summary>
    public static ResolvedValue Resolve(ParameterMapping? mapping, AudienceMember member, int? daysLeft)
    {
        if (mapping is null)
            return ResolvedValue.Empty;
        var value = Clean(mapping.Source switch
        {
            MappingSource.Field => FieldValue(member, mapping.Field),
            MappingSource.Text => mapping.Text,
            MappingSource.DaysLeft => daysLeft?.ToString(CultureInfo.InvariantCulture),
            _ => null,
        });
        if (value.Length == 0)
            value = Clean(mapping.Fallback);
        return value.Length == 0 ? ResolvedValue.Empty : new ResolvedValue(value, false);
    }

    /// <summary>
    /// A member's field by name, ignoring case: <c>phone</c> and <c>name</c> are the member's own, anything else is
    /// looked up in its fields (an exact match first, then one differing only in case).
    /// </summary>
    public static string? FieldValue(AudienceMember member, string? field)
    {
        var name = field?.Trim();
        if (string.IsNullOrEmpty(name))
            return null;
        if (name.Equals(AudienceFields.Phone, StringComparison.OrdinalIgnoreCase))
            return member.Phone;
        if (name.Equals(AudienceFields.Name, StringComparison.OrdinalIgnoreCase))
            return member.Name;
        if (member.Fields.TryGetValue(name, out var exact))
            return exact;
        foreach (var (key, value) in member.Fields)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
                return value;
        return null;
    }

    /// <summary>The number as Meta wants it in <c>to</c>: digits only, without the plus.</summary>
    public static string Digits(string phone) => new(phone.Where(char.IsAsciiDigit).ToArray());

    private static string Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return "";
        var text = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace)
                text.Append(' ');
            pendingSpace = false;
            text.Append(c);
        }
        return text.ToString();
    }

    private static IReadOnlyList<RenderedPart> Substitute(string? text, Func<string, ResolvedValue?> valueOf) =>
        TemplateDefinition.Segments(text)
            .Select(segment => !segment.IsVariable
                ? new RenderedPart(segment.Text)
                : valueOf(segment.Text) is { } value
                    ? new RenderedPart(value.Text, segment.Text, value.IsEmpty)
                    : new RenderedPart("{{" + segment.Text + "}}"))
            .ToList();

    private static HeaderKind? MediaKind(TemplateHeaderFormat format) => format switch
    {
        TemplateHeaderFormat.Image => HeaderKind.Image,
        TemplateHeaderFormat.Document => HeaderKind.Document,
        TemplateHeaderFormat.Video => HeaderKind.Video,
        _ => null,
    };
}

/// <summary>A slot's value for one recipient; <see cref="IsEmpty"/> when neither the source nor a fallback gave one.</summary>
public sealed record ResolvedValue(string Text, bool IsEmpty)
{
    public static readonly ResolvedValue Empty = new("", true);
}
