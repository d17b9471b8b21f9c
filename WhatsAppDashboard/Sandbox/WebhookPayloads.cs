using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace WhatsAppDashboard.Sandbox;

/// <summary>The message a webhook is about, and the business number that sent it.</summary>
public sealed record WebhookContext(
    string WabaId,
    string PhoneNumberId,
    string DisplayPhoneNumber,
    string MessageId,
    string RecipientDigits,
    string? CallbackData,
    string TemplateCategory);

/// <summary>Webhook bodies shaped exactly like Meta's WhatsApp Business Account notifications.</summary>
public static class WebhookPayloads
{
    public const string SignatureHeader = "X-Hub-Signature-256";

    /// <param name="inboundMessageId">The id of the recipient's own message, for replies.</param>
    public static JsonObject Build(WebhookEvent webhookEvent, WebhookContext context, DateTimeOffset at, string inboundMessageId)
    {
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject
            {
                // Meta sends the business number as digits only.
                ["display_phone_number"] = Digits(context.DisplayPhoneNumber),
                ["phone_number_id"] = context.PhoneNumberId,
            },
        };
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        switch (webhookEvent)
        {
            case StatusEvent status:
                value["statuses"] = new JsonArray(Status(status, context, timestamp));
                break;
            case ButtonReplyEvent button:
                value["contacts"] = Contacts(context);
                value["messages"] = new JsonArray(new JsonObject
                {
                    ["context"] = new JsonObject { ["from"] = Digits(context.DisplayPhoneNumber), ["id"] = context.MessageId },
                    ["from"] = context.RecipientDigits,
                    ["id"] = inboundMessageId,
                    ["timestamp"] = timestamp,
                    ["type"] = "button",
                    ["button"] = new JsonObject { ["payload"] = button.Payload, ["text"] = button.Text },
                });
                break;
            case TextReplyEvent text:
                value["contacts"] = Contacts(context);
                value["messages"] = new JsonArray(new JsonObject
                {
                    ["from"] = context.RecipientDigits,
                    ["id"] = inboundMessageId,
                    ["timestamp"] = timestamp,
                    ["type"] = "text",
                    ["text"] = new JsonObject { ["body"] = text.Body },
                });
                break;
        }

        return new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = context.WabaId,
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = "messages" }),
            }),
        };
    }

    /// <summary>The X-Hub-Signature-256 value: <c>sha256=</c> and the hex HMAC-SHA256 of the exact body bytes.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string appSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));

    private static JsonObject Status(StatusEvent status, WebhookContext context, string timestamp)
    {
        var result = new JsonObject
        {
            ["id"] = context.MessageId,
            ["status"] = status.Status,
            ["timestamp"] = timestamp,
            ["recipient_id"] = context.RecipientDigits,
        };
        if (context.CallbackData is { Length: > 0 } callback)
            result["biz_opaque_callback_data"] = callback;
        if (status.Status is "sent" or "delivered")
        {
            result["pricing"] = new JsonObject
            {
                ["billable"] = true,
                ["pricing_model"] = "PMP",
                ["type"] = "regular",
                ["category"] = context.TemplateCategory.ToLowerInvariant(),
            };
        }
        if (status.Error is { } error)
        {
            result["errors"] = new JsonArray(new JsonObject
            {
                ["code"] = error.Code,
                ["title"] = error.Title,
                ["message"] = error.Title,
                ["error_data"] = new JsonObject { ["details"] = error.DetailsOrDefault },
            });
        }
        return result;
    }

    private static JsonArray Contacts(WebhookContext context) => new(new JsonObject
    {
        ["profile"] = new JsonObject { ["name"] = "Sandbox user " + context.RecipientDigits[^Math.Min(4, context.RecipientDigits.Length)..] },
        ["wa_id"] = context.RecipientDigits,
    });

    private static string Digits(string phone) => string.Concat(phone.Where(char.IsAsciiDigit));
}
