using System.Globalization;
using System.Text.Json.Nodes;

namespace WhatsAppDashboard.Benchmark;

/// <summary>Status webhooks for messages of a finished run, shaped like Meta's (several statuses may share one body).</summary>
public static class WebhookReplayPayloads
{
    public static byte[] ReadStatuses(IEnumerable<(string MessageId, string RecipientDigits, long RecipientId)> messages, string phoneNumberId, string wabaId)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var statuses = new JsonArray();
        foreach (var (messageId, recipient, recipientId) in messages)
        {
            statuses.Add(new JsonObject
            {
                ["id"] = messageId,
                ["status"] = "read",
                ["timestamp"] = timestamp,
                ["recipient_id"] = recipient,
                ["biz_opaque_callback_data"] = recipientId.ToString(CultureInfo.InvariantCulture),
            });
        }
        var body = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = wabaId,
                ["changes"] = new JsonArray(new JsonObject
                {
                    ["field"] = "messages",
                    ["value"] = new JsonObject
                    {
                        ["messaging_product"] = "whatsapp",
                        ["metadata"] = new JsonObject { ["display_phone_number"] = "12025550199", ["phone_number_id"] = phoneNumberId },
                        ["statuses"] = statuses,
                    },
                }),
            }),
        };
        return System.Text.Encoding.UTF8.GetBytes(body.ToJsonString());
    }
}
