using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns.Rendering;

/// <summary>
/// One value a campaign must supply for its template: a variable of the header, body or a button, or the link of a
/// media header. <see cref="Key"/> is the <see cref="ParameterMappings"/> key.
/// </summary>
public sealed record MappingSlot(string Key, string Label, TemplateVariable? Variable, TemplateHeaderFormat? MediaFormat, string? Sample)
{
    public bool IsMedia => MediaFormat is not null;
}

/// <summary>
/// Which values a template needs, and whether a set of mappings supplies all of them. The same rules serve the
/// parameters step (which refuses to move on) and any later check before sending (the schedule may have changed).
/// </summary>
public static class ParameterSlots
{
    /// <summary>The template's slots in the order people read them: the header (its variable or its media link),
    /// the body's variables in numeric order ({{1}}, {{2}}, … {{10}}), then each button's.</summary>
    public static IReadOnlyList<MappingSlot> Of(TemplateDefinition definition)
    {
        var slots = new List<MappingSlot>();
        if (definition.Header is { Format: TemplateHeaderFormat.Image or TemplateHeaderFormat.Document or TemplateHeaderFormat.Video } header)
            slots.Add(new MappingSlot(ParameterMappings.HeaderMediaKey, $"Header {MediaName(header.Format)} link", null, header.Format, header.MediaSample));
        foreach (var variable in definition.Variables)
            slots.Add(new MappingSlot(ParameterMappings.KeyOf(variable), variable.Label, variable, null, variable.Sample));
        return slots;
    }

    /// <summary>Why the template cannot be sent whatever the mappings, or null.</summary>
    public static string? TemplateProblem(TemplateDefinition definition) =>
        definition.Header?.Format == TemplateHeaderFormat.Location
            ? "This template has a location header, which campaigns cannot fill in yet: choose another template."
            : definition.Problems.FirstOrDefault();

    /// <summary>
    /// Problems by slot key: a slot without a mapping, a field or text left empty, a media link that is not an
    /// address, and <c>{days_left}</c> without a fallback on a campaign that is not recurring (it has no end date to
    /// count down to, so every recipient would get the fallback).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Problems(
        IReadOnlyList<MappingSlot> slots, IReadOnlyDictionary<string, ParameterMapping> mappings, bool isRecurring)
    {
        var problems = new Dictionary<string, string>();
        foreach (var slot in slots)
        {
            if (!mappings.TryGetValue(slot.Key, out var mapping))
            {
                problems[slot.Key] = $"Choose where {Describe(slot)} comes from.";
                continue;
            }
            var problem = mapping.Source switch
            {
                MappingSource.Field when string.IsNullOrWhiteSpace(mapping.Field) => "Choose the audience field, or type its name.",
                MappingSource.Text when string.IsNullOrWhiteSpace(mapping.Text) => "Enter the text every recipient gets.",
                MappingSource.Text when slot.IsMedia && !IsWebAddress(mapping.Text) => "Enter the full address of the file, starting with https://.",
                MappingSource.DaysLeft when slot.IsMedia => "A media header needs the address of a file, not a number of days.",
                MappingSource.DaysLeft when !isRecurring && string.IsNullOrWhiteSpace(mapping.Fallback) =>
                    "{days_left} has a value only in recurring campaigns: add a fallback, or schedule the campaign as recurring.",
                _ => null,
            };
            if (problem is null && slot.IsMedia && !string.IsNullOrWhiteSpace(mapping.Fallback) && !IsWebAddress(mapping.Fallback))
                problem = "The fallback must be the full address of a file, starting with https://.";
            if (problem is not null)
                problems[slot.Key] = problem;
        }
        return problems;
    }

    public static bool IsWebAddress(string? value) =>
        Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static string Describe(MappingSlot slot) => slot.Variable?.Kind switch
    {
        null => $"the {MediaName(slot.MediaFormat!.Value)} link",
        TemplateVariableKind.CouponCode => "the coupon code",
        _ => slot.Variable.Placeholder,
    };

    private static string MediaName(TemplateHeaderFormat format) => format.ToString().ToLowerInvariant();
}
