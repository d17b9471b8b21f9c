using System.Text.Json;
using System.Text.Json.Serialization;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns;

public enum MappingSource
{
    /// <summary>An audience field: <c>phone</c>, <c>name</c>, a CSV column or a contact attribute.</summary>
    Field,
    /// <summary>The same text for everyone.</summary>
    Text,
    /// <summary>Days until the recurring campaign's end date, on the day of each run.</summary>
    DaysLeft,
}

/// <summary>Where one template variable gets its value, with an optional fallback when the value is blank.</summary>
public sealed record ParameterMapping(MappingSource Source, string? Field = null, string? Text = null, string? Fallback = null);

/// <summary>
/// Variable key → mapping, stored as <see cref="Campaign.ParameterMappingsJson"/>. Keys: <c>header.1</c>,
/// <c>body.2</c>, <c>body.first_name</c>, <c>button.0.1</c> (URL suffix of the first button), <c>button.2.coupon</c>,
/// and <c>header.media</c> for the link of an image, document or video header.
/// </summary>
public static class ParameterMappings
{
    public const string HeaderMediaKey = "header.media";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string KeyOf(TemplateVariable variable) => variable.Location switch
    {
        TemplateVariableLocation.Header => $"header.{variable.Key}",
        TemplateVariableLocation.Body => $"body.{variable.Key}",
        _ => variable.Kind == TemplateVariableKind.CouponCode ? $"button.{variable.ButtonIndex}.coupon" : $"button.{variable.ButtonIndex}.{variable.Key}",
    };

    public static Dictionary<string, ParameterMapping> Read(Campaign campaign) =>
        string.IsNullOrWhiteSpace(campaign.ParameterMappingsJson)
            ? []
            : JsonSerializer.Deserialize<Dictionary<string, ParameterMapping>>(campaign.ParameterMappingsJson, Json) ?? [];

    public static void Write(Campaign campaign, IReadOnlyDictionary<string, ParameterMapping> mappings) =>
        campaign.ParameterMappingsJson = JsonSerializer.Serialize(mappings, Json);
}
