using System.Text.Json.Nodes;

namespace WhatsAppDashboard.Features.CloudApi;

/// <summary>
/// The JSON body of <c>POST /{phone-number-id}/messages</c> for a template message, shaped as Meta documents it:
/// header, body and button components with their parameters, plus <c>biz_opaque_callback_data</c>.
/// </summary>
public static class TemplateMessagePayload
{
    public static JsonObject Build(TemplateMessage message)
    {
        var components = new JsonArray();
        if (message.Header is { } header)
            components.Add(new JsonObject { ["type"] = "header", ["parameters"] = new JsonArray(HeaderParameter(header)) });

        if (message.BodyParameters.Count > 0)
        {
            var parameters = new JsonArray();
            foreach (var parameter in message.BodyParameters)
                parameters.Add(TextParameter(parameter.Value, parameter.Name));
            components.Add(new JsonObject { ["type"] = "body", ["parameters"] = parameters });
        }

        foreach (var button in message.Buttons.OrderBy(b => b.Index))
            components.Add(ButtonComponent(button));

        var template = new JsonObject
        {
            ["name"] = message.TemplateName,
            ["language"] = new JsonObject { ["code"] = message.LanguageCode },
        };
        if (components.Count > 0)
            template["components"] = components;

        var payload = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = message.To,
            ["type"] = "template",
            ["template"] = template,
        };
        if (!string.IsNullOrEmpty(message.CallbackData))
            payload["biz_opaque_callback_data"] = message.CallbackData;
        return payload;
    }

    private static JsonObject HeaderParameter(HeaderParameter header)
    {
        switch (header.Kind)
        {
            case HeaderKind.Text:
                return TextParameter(header.Value, header.Name);
            case HeaderKind.Document:
                var document = new JsonObject { ["link"] = header.Value };
                if (!string.IsNullOrEmpty(header.FileName))
                    document["filename"] = header.FileName;
                return new JsonObject { ["type"] = "document", ["document"] = document };
            default:
                var type = header.Kind == HeaderKind.Image ? "image" : "video";
                return new JsonObject { ["type"] = type, [type] = new JsonObject { ["link"] = header.Value } };
        }
    }

    private static JsonObject TextParameter(string value, string? name)
    {
        var parameter = new JsonObject { ["type"] = "text" };
        // Named templates identify each value by parameter_name; positional ones by order alone.
        if (!string.IsNullOrEmpty(name))
            parameter["parameter_name"] = name;
        parameter["text"] = value;
        return parameter;
    }

    private static JsonObject ButtonComponent(ButtonParameter button)
    {
        var (subType, parameter) = button.Kind switch
        {
            ButtonParameterKind.QuickReply => ("quick_reply", new JsonObject { ["type"] = "payload", ["payload"] = button.Value }),
            ButtonParameterKind.CouponCode => ("copy_code", new JsonObject { ["type"] = "coupon_code", ["coupon_code"] = button.Value }),
            _ => ("url", new JsonObject { ["type"] = "text", ["text"] = button.Value }),
        };
        return new JsonObject
        {
            ["type"] = "button",
            ["sub_type"] = subType,
            // Meta wants the button's position as a string.
            ["index"] = button.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["parameters"] = new JsonArray(parameter),
        };
    }
}
