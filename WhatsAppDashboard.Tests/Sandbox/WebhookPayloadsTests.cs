using System.Text;
using System.Text.Json.Nodes;
using WhatsAppDashboard.Sandbox;

namespace WhatsAppDashboard.Tests.Sandbox;

public sealed class WebhookPayloadsTests
{
    private static readonly WebhookContext Context = new(
        "200000000000001", "100000000000001", "+1 202-555-0142", "wamid.ABC", "4915112345678", "recipient-9", "MARKETING");

    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);

    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_the_exact_body_with_the_app_secret()
    {
        // The RFC 4231-style reference pair for HMAC-SHA256.
        var signature = WebhookPayloads.Sign(Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog"), "key");

        signature.Should().Be("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    }

    [Fact]
    public void A_failed_status_is_shaped_like_Metas_with_the_error_and_the_callback_data()
    {
        var payload = WebhookPayloads.Build(new StatusEvent("failed", new SandboxError(131049)), Context, At, "unused");

        JsonNode.DeepEquals(payload, JsonNode.Parse("""
            {
              "object": "whatsapp_business_account",
              "entry": [ { "id": "200000000000001", "changes": [ { "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "12025550142", "phone_number_id": "100000000000001" },
                "statuses": [ {
                  "id": "wamid.ABC", "status": "failed", "timestamp": "1795000000", "recipient_id": "4915112345678",
                  "biz_opaque_callback_data": "recipient-9",
                  "errors": [ { "code": 131049, "title": "Meta chose not to deliver", "message": "Meta chose not to deliver",
                                "error_data": { "details": "The message was not delivered to maintain healthy ecosystem engagement." } } ]
                } ]
              }, "field": "messages" } ] } ]
            }
            """)).Should().BeTrue(payload.ToJsonString());
    }

    [Fact]
    public void A_button_click_names_the_message_it_answers_in_its_context()
    {
        var payload = WebhookPayloads.Build(new ButtonReplyEvent("rsvp-yes", "Yes, count me in"), Context, At, "wamid.INBOUND");

        var value = payload["entry"]![0]!["changes"]![0]!["value"]!;
        JsonNode.DeepEquals(value["messages"], JsonNode.Parse("""
            [ { "context": { "from": "12025550142", "id": "wamid.ABC" }, "from": "4915112345678", "id": "wamid.INBOUND",
                "timestamp": "1795000000", "type": "button", "button": { "payload": "rsvp-yes", "text": "Yes, count me in" } } ]
            """)).Should().BeTrue(value.ToJsonString());
        value["contacts"]![0]!["wa_id"]!.GetValue<string>().Should().Be("4915112345678");
        value["contacts"]![0]!["profile"]!["name"]!.GetValue<string>().Should().NotBeEmpty();
    }

    [Fact]
    public void A_stop_reply_is_an_inbound_text_message()
    {
        var payload = WebhookPayloads.Build(new TextReplyEvent("STOP"), Context, At, "wamid.INBOUND");

        var message = payload["entry"]![0]!["changes"]![0]!["value"]!["messages"]![0]!;
        JsonNode.DeepEquals(message, JsonNode.Parse("""
            { "from": "4915112345678", "id": "wamid.INBOUND", "timestamp": "1795000000", "type": "text", "text": { "body": "STOP" } }
            """)).Should().BeTrue(message.ToJsonString());
    }

    [Theory]
    [InlineData(new[] { "http://127.0.0.1:5000" }, "http://127.0.0.1:5000/webhooks/whatsapp")]
    [InlineData(new[] { "https://[::]:5001", "http://[::]:5000" }, "http://[::1]:5000/webhooks/whatsapp")]
    [InlineData(new[] { "http://0.0.0.0:8080" }, "http://127.0.0.1:8080/webhooks/whatsapp")]
    [InlineData(new[] { "http://+:80" }, "http://localhost/webhooks/whatsapp")]
    [InlineData(new[] { "https://*:443" }, "https://localhost/webhooks/whatsapp")]
    [InlineData(new string[0], null)]
    public void Without_a_configured_URL_webhooks_go_to_the_apps_own_endpoint(string[] addresses, string? expected) =>
        WebhookTarget.FromListeningAddresses(addresses)?.ToString().Should().Be(expected);
}
