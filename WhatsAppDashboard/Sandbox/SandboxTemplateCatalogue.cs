using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>A quick-reply or URL button of a template, by its position among the template's buttons.</summary>
public sealed record SandboxButton(int Index, string Type, string Text, bool UrlHasVariable)
{
    public bool IsQuickReply => Type == "QUICK_REPLY";
    public bool IsUrl => Type == "URL";
}

/// <summary>One template as the simulated Graph API stores it: Meta's JSON, plus what sends are checked against.</summary>
public sealed partial class SandboxTemplate
{
    public SandboxTemplate(JsonObject json)
    {
        Json = json;
        Id = (string)json["id"]!;
        Name = (string)json["name"]!;
        Language = (string)json["language"]!;
        Status = (string)json["status"]!;
        ParameterFormat = (string?)json["parameter_format"] ?? "POSITIONAL";

        foreach (var component in json["components"]!.AsArray().OfType<JsonObject>())
        {
            switch ((string?)component["type"])
            {
                case "HEADER":
                    HeaderFormat = (string?)component["format"] ?? "TEXT";
                    HeaderHasVariable = HeaderFormat != "TEXT" || Variable().IsMatch((string?)component["text"] ?? "");
                    break;
                case "BODY":
                    BodyVariables = Variable().Matches((string?)component["text"] ?? "")
                        .Select(m => m.Groups[1].Value).Distinct().ToList();
                    break;
                case "BUTTONS":
                    Buttons = component["buttons"]!.AsArray().OfType<JsonObject>()
                        .Select((b, i) => new SandboxButton(
                            i, (string)b["type"]!, (string?)b["text"] ?? "", Variable().IsMatch((string?)b["url"] ?? "")))
                        .ToList();
                    break;
            }
        }
    }

    public JsonObject Json { get; }
    public string Id { get; }
    public string Name { get; }
    public string Language { get; }
    public string Status { get; }
    public string ParameterFormat { get; }
    public bool IsApproved => Status == "APPROVED";
    public bool IsNamed => ParameterFormat == "NAMED";

    /// <summary>TEXT, IMAGE, VIDEO or DOCUMENT; null without a header.</summary>
    public string? HeaderFormat { get; }
    /// <summary>Whether a send must supply a header parameter (a text variable, or the media).</summary>
    public bool HeaderHasVariable { get; }
    /// <summary>The body's variables: "1", "2", … for positional templates, the names for named ones.</summary>
    public IReadOnlyList<string> BodyVariables { get; } = [];
    public IReadOnlyList<SandboxButton> Buttons { get; } = [];

    /// <summary>The Graph API's JSON of the template, limited to the requested fields (id always).</summary>
    public JsonObject ToJson(IReadOnlyCollection<string>? fields)
    {
        var result = new JsonObject();
        foreach (var (key, value) in Json)
        {
            if (fields is null || fields.Count == 0 || key == "id" || fields.Contains(key))
                result[key] = value?.DeepClone();
        }
        return result;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Variable();
}

/// <summary>
/// The templates every sandbox account has: the four approved ones the demo campaigns use, one still pending, and
/// <c>Sandbox:ExtraTemplates</c> generated approved ones for paging.
/// </summary>
public sealed class SandboxTemplateCatalogue
{
    // Meta's shape, as GET /{waba-id}/message_templates returns it.
    private const string BuiltIn = """
        [
          {
            "id": "1000000000000001",
            "name": "welcome_offer",
            "language": "en_US",
            "category": "MARKETING",
            "status": "APPROVED",
            "parameter_format": "POSITIONAL",
            "components": [
              {
                "type": "BODY",
                "text": "Hi {{1}}, welcome to Northwind Coffee! Show the code {{2}} at the counter for a free pastry with your next drink.",
                "example": { "body_text": [ [ "Maria", "WELCOME10" ] ] }
              },
              { "type": "FOOTER", "text": "Reply STOP to unsubscribe" }
            ]
          },
          {
            "id": "1000000000000002",
            "name": "weekend_sale",
            "language": "en_US",
            "category": "MARKETING",
            "status": "APPROVED",
            "parameter_format": "POSITIONAL",
            "components": [
              {
                "type": "HEADER",
                "format": "IMAGE",
                "example": { "header_handle": [ "https://example.com/sandbox/weekend-sale.jpg" ] }
              },
              {
                "type": "BODY",
                "text": "Hello {{1}}! This weekend only, everything in our stores is {{2}} off. See you there!",
                "example": { "body_text": [ [ "Maria", "20%" ] ] }
              },
              { "type": "FOOTER", "text": "Northwind Coffee" }
            ]
          },
          {
            "id": "1000000000000003",
            "name": "tasting_invitation",
            "language": "en_US",
            "category": "MARKETING",
            "status": "APPROVED",
            "parameter_format": "POSITIONAL",
            "components": [
              {
                "type": "BODY",
                "text": "Hi {{1}}, we are hosting a coffee tasting evening on {{2}}. Will you join us?",
                "example": { "body_text": [ [ "Maria", "Friday at 6 pm" ] ] }
              },
              {
                "type": "BUTTONS",
                "buttons": [
                  { "type": "QUICK_REPLY", "text": "Yes, count me in" },
                  { "type": "QUICK_REPLY", "text": "Not this time" },
                  { "type": "QUICK_REPLY", "text": "Stop promotions" }
                ]
              }
            ]
          },
          {
            "id": "1000000000000004",
            "name": "order_shipped",
            "language": "en_US",
            "category": "UTILITY",
            "status": "APPROVED",
            "parameter_format": "NAMED",
            "components": [
              {
                "type": "BODY",
                "text": "Hi {{customer_name}}, your order {{order_number}} is on its way.",
                "example": {
                  "body_text_named_params": [
                    { "param_name": "customer_name", "example": "Maria" },
                    { "param_name": "order_number", "example": "NW-1042" }
                  ]
                }
              },
              {
                "type": "BUTTONS",
                "buttons": [
                  {
                    "type": "URL",
                    "text": "Track your order",
                    "url": "https://shop.example.com/track/{{1}}",
                    "example": [ "https://shop.example.com/track/NW-1042" ]
                  }
                ]
              }
            ]
          },
          {
            "id": "1000000000000005",
            "name": "loyalty_points_update",
            "language": "en_US",
            "category": "MARKETING",
            "status": "PENDING",
            "parameter_format": "POSITIONAL",
            "components": [
              {
                "type": "HEADER",
                "format": "TEXT",
                "text": "Your points, {{1}}",
                "example": { "header_text": [ "Maria" ] }
              },
              {
                "type": "BODY",
                "text": "You have {{1}} loyalty points. Redeem them before {{2}} for a free drink.",
                "example": { "body_text": [ [ "1,250", "31 December" ] ] }
              }
            ]
          }
        ]
        """;

    public SandboxTemplateCatalogue(IOptions<SandboxOptions> options)
    {
        var templates = JsonNode.Parse(BuiltIn)!.AsArray().OfType<JsonObject>().Select(t => new SandboxTemplate(t)).ToList();
        for (var n = 1; n <= options.Value.ExtraTemplates; n++)
            templates.Add(new SandboxTemplate(Extra(n)));
        All = templates;
        _byNameAndLanguage = templates.ToDictionary(t => (t.Name, t.Language));
        _names = templates.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
    }

    private readonly Dictionary<(string Name, string Language), SandboxTemplate> _byNameAndLanguage;
    private readonly HashSet<string> _names;

    public IReadOnlyList<SandboxTemplate> All { get; }

    /// <summary>The template with that name in that language; null when there is none.</summary>
    public SandboxTemplate? Find(string name, string language) => _byNameAndLanguage.GetValueOrDefault((name, language));

    public bool HasName(string name) => _names.Contains(name);

    private static JsonObject Extra(int n) => new()
    {
        ["id"] = (2_000_000_000_000_000L + n).ToString(CultureInfo.InvariantCulture),
        ["name"] = string.Create(CultureInfo.InvariantCulture, $"sandbox_extra_{n:0000}"),
        ["language"] = "en_US",
        ["category"] = "MARKETING",
        ["status"] = "APPROVED",
        ["parameter_format"] = "POSITIONAL",
        ["components"] = new JsonArray(new JsonObject
        {
            ["type"] = "BODY",
            ["text"] = string.Create(CultureInfo.InvariantCulture, $"Hello {{{{1}}}}, this is generated sandbox template number {n}."),
            ["example"] = new JsonObject { ["body_text"] = new JsonArray(new JsonArray("Maria")) },
        }),
    };
}
