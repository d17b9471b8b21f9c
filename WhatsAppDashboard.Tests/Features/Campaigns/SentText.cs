using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>
/// The text a recipient gets from a Cloud API payload, worked out the way Meta applies it to the template: positional
/// values fill {{1}}, {{2}}, … in the order of the list, named ones go by parameter_name; a URL button's value
/// replaces its placeholder; a copy-code button shows its coupon code. Written from the payload JSON, independently
/// of the renderer, so comparing the two proves the preview is what is sent.
/// </summary>
public sealed partial record SentText(string Header, string Body, IReadOnlyList<string> Urls, IReadOnlyList<string> Codes)
{
    public static SentText FromPayload(TemplateDefinition definition, JsonObject payload)
    {
        var components = payload["template"]?["components"]?.AsArray().Select(c => c!.AsObject()).ToList() ?? [];
        string Fill(string? text, string type)
        {
            var parameters = components.FirstOrDefault(c => (string)c["type"]! == type)?["parameters"]!.AsArray() ?? [];
            var values = new Dictionary<string, string>();
            for (var i = 0; i < parameters.Count; i++)
                values[(string?)parameters[i]!["parameter_name"] ?? (i + 1).ToString(CultureInfo.InvariantCulture)] = (string)parameters[i]!["text"]!;
            return Placeholder().Replace(text ?? "", m => values[m.Groups[1].Value]);
        }
        var buttons = components.Where(c => (string)c["type"]! == "button").ToList();
        var urls = definition.Buttons.Where(b => b.Type == TemplateButtonType.Url && b.Url is not null).Select(button =>
        {
            var component = buttons.SingleOrDefault(c => (string)c["index"]! == button.Index.ToString(CultureInfo.InvariantCulture));
            return component is null ? button.Url! : Placeholder().Replace(button.Url!, (string)component["parameters"]![0]!["text"]!);
        }).ToList();
        var codes = buttons.Where(c => (string)c["sub_type"]! == "copy_code").Select(c => (string)c["parameters"]![0]!["coupon_code"]!).ToList();
        return new SentText(Fill(definition.Header?.Text, "header"), Fill(definition.Body, "body"), urls, codes);
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
