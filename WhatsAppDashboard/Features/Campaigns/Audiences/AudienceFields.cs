using System.Text.Json;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>The field names every audience member has, and reading member fields stored as jsonb.</summary>
public static class AudienceFields
{
    /// <summary>The member's number (E.164).</summary>
    public const string Phone = "phone";

    /// <summary>The member's name (may be empty).</summary>
    public const string Name = "name";

    public static bool IsBuiltIn(string field) =>
        field.Equals(Phone, StringComparison.OrdinalIgnoreCase) || field.Equals(Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A jsonb object of fields as a dictionary, in the order PostgreSQL returns its keys. Values that are not strings
    /// (a number or true written by another tool) keep their JSON text; null becomes empty.
    /// </summary>
    public static Dictionary<string, string> Parse(string json)
    {
        var fields = new Dictionary<string, string>();
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            return fields;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            fields[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Null => "",
                _ => property.Value.GetRawText(),
            };
        }
        return fields;
    }
}
