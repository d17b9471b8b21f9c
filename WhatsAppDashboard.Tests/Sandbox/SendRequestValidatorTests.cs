using System.Text.Json;
using System.Text.Json.Nodes;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Sandbox;

namespace WhatsAppDashboard.Tests.Sandbox;

public sealed class SendRequestValidatorTests
{
    private static SendCheck Check(JsonNode body) =>
        SendRequestValidator.Check(JsonDocument.Parse(body.ToJsonString()).RootElement, SandboxTestData.Catalogue);

    private static JsonObject Message(TemplateMessage message) => TemplateMessagePayload.Build(message);

    private static TemplateMessage Welcome(string to = "+4915112345678") =>
        new(to, "welcome_offer", "en_US", null, [new("Ana"), new("WELCOME10")], [], "recipient-9");

    private static TemplateMessage Shipped(params TextParameter[] body) =>
        new("+4915112345678", "order_shipped", "en_US", null, body, [new(0, ButtonParameterKind.Url, "NW-1")], null);

    [Fact]
    public void A_well_formed_send_is_accepted_with_its_recipient_digits_callback_data_and_payloads()
    {
        var message = new TemplateMessage("+49 151 1234-5678", "tasting_invitation", "en_US", null, [new("Ana"), new("Friday")],
            [new(2, ButtonParameterKind.QuickReply, "stop-promos")], "recipient-9");

        var check = Check(Message(message));

        check.Error.Should().BeNull();
        check.Send!.RecipientDigits.Should().Be("4915112345678");
        check.Send.CallbackData.Should().Be("recipient-9");
        check.Send.QuickReplyPayloads.Should().Equal(new Dictionary<int, string> { [2] = "stop-promos" });
    }

    public static TheoryData<string, Func<JsonObject>, int> Refusals => new()
    {
        { "not WhatsApp", () => { var m = Message(Welcome()); m["messaging_product"] = "sms"; return m; }, 100 },
        { "letters in the number", () => Message(Welcome("+49 151 CALL-ME")), 100 },
        { "number too short", () => Message(Welcome("+1234567")), 131026 },
        { "number too long", () => Message(Welcome("+1234567890123456")), 131026 },
        { "no recipient", () => { var m = Message(Welcome()); m.Remove("to"); return m; }, 131008 },
        { "a text message", () => { var m = Message(Welcome()); m["type"] = "text"; return m; }, 131051 },
        { "unknown template", () => Message(Welcome() with { TemplateName = "nope" }), 132001 },
        { "unknown language", () => Message(Welcome() with { LanguageCode = "pt_BR" }), 132001 },
        { "pending template", () => Message(new("+4915112345678", "loyalty_points_update", "en_US",
            new HeaderParameter(HeaderKind.Text, "Ana"), [new("10"), new("May")], [], null)), 132001 },
        { "one body parameter too few", () => Message(Welcome() with { BodyParameters = [new("Ana")] }), 132000 },
        { "one body parameter too many", () => Message(Welcome() with { BodyParameters = [new("a"), new("b"), new("c")] }), 132000 },
        { "empty body text", () => Message(Welcome() with { BodyParameters = [new("Ana"), new("")] }), 131009 },
        { "header on a template without one", () => Message(Welcome() with { Header = new(HeaderKind.Text, "Hi") }), 132000 },
        { "image header missing", () => Message(new("+4915112345678", "weekend_sale", "en_US", null, [new("Ana"), new("20%")], [], null)), 131008 },
        { "video instead of image", () => Message(new("+4915112345678", "weekend_sale", "en_US",
            new HeaderParameter(HeaderKind.Video, "https://cdn.example.com/v.mp4"), [new("Ana"), new("20%")], [], null)), 132012 },
        { "unknown parameter name", () => Message(Shipped(new("Ana", "customer_name"), new("NW-1", "order_id"))), 132000 },
        { "parameter name twice", () => Message(Shipped(new("Ana", "customer_name"), new("Bo", "customer_name"))), 132000 },
        { "URL suffix missing", () => Message(Shipped(new("Ana", "customer_name"), new("NW-1", "order_number")) with { Buttons = [] }), 131008 },
        { "quick reply on a URL button", () => Message(Shipped(new("Ana", "customer_name"), new("NW-1", "order_number")) with
            { Buttons = [new(0, ButtonParameterKind.QuickReply, "x")] }), 131009 },
        { "button that does not exist", () => Message(Welcome() with { Buttons = [new(5, ButtonParameterKind.QuickReply, "x")] }), 131009 },
        { "callback data too long", () => Message(Welcome() with { CallbackData = new string('x', 513) }), 100 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Sends_Meta_would_refuse_get_Metas_code(string why, Func<JsonObject> body, int expectedCode)
    {
        var check = Check(body());

        check.Send.Should().BeNull(why);
        check.Error!.Code.Should().Be(expectedCode, "{0}: {1}", why, check.Error.Details);
        check.Error.Details.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void The_catalogue_has_four_approved_templates_of_the_kinds_the_demo_needs_and_one_pending()
    {
        var builtIn = SandboxTestData.Catalogue.All;

        builtIn.Should().HaveCount(5);
        builtIn.Count(t => t.IsApproved).Should().Be(4);
        builtIn.Single(t => !t.IsApproved).Status.Should().Be("PENDING");
        SandboxTestData.Template("welcome_offer").BodyVariables.Should().Equal("1", "2");
        SandboxTestData.Template("weekend_sale").HeaderFormat.Should().Be("IMAGE");
        SandboxTestData.Template("tasting_invitation").Buttons.Should().OnlyContain(b => b.IsQuickReply).And.HaveCount(3);
        SandboxTestData.Template("order_shipped").Buttons.Should().ContainSingle(b => b.IsUrl && b.UrlHasVariable);
        SandboxTestData.Template("order_shipped").BodyVariables.Should().Equal("customer_name", "order_number");
    }
}
