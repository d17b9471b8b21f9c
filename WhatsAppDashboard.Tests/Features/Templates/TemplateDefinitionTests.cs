using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Tests.Features.Templates;

public sealed class TemplateDefinitionTests
{
    /// <summary>Each case: Meta's components array, its parameter_format, and the variables expected
    /// as "Label=Sample" (Sample "-" when the template gives none), in order.</summary>
    public static TheoryData<string, string, string, string[]> Cases => new()
    {
        {
            "no variables",
            """[{"type":"BODY","text":"Our shop opens at nine tomorrow."}]""",
            "POSITIONAL",
            []
        },
        {
            "two body variables with examples",
            """[{"type":"BODY","text":"Hi {{1}}, your order {{2}} has shipped.","example":{"body_text":[["Ana","#4410"]]}}]""",
            "POSITIONAL",
            ["Body {{1}}=Ana", "Body {{2}}=#4410"]
        },
        {
            "{{10}} sorts after {{2}}, repeats listed once",
            """
            [{"type":"BODY","text":"{{10}} {{2}} {{1}} {{3}} {{4}} {{5}} {{6}} {{7}} {{8}} {{9}} {{2}} {{11}}",
            "example":{"body_text":[["a","b","c","d","e","f","g","h","i","j","k"]]}}]
            """,
            "POSITIONAL",
            ["Body {{1}}=a", "Body {{2}}=b", "Body {{3}}=c", "Body {{4}}=d", "Body {{5}}=e", "Body {{6}}=f",
             "Body {{7}}=g", "Body {{8}}=h", "Body {{9}}=i", "Body {{10}}=j", "Body {{11}}=k"]
        },
        {
            "named parameters in order of appearance",
            """
            [{"type":"BODY","text":"Thank you, {{first_name}}! Order {{order_number}} is ready, {{first_name}}.",
            "example":{"body_text_named_params":[{"param_name":"order_number","example":"860198-230332"},{"param_name":"first_name","example":"Pablo"}]}}]
            """,
            "NAMED",
            ["Body {{first_name}}=Pablo", "Body {{order_number}}=860198-230332"]
        },
        {
            "header variable, then body",
            """
            [{"type":"HEADER","format":"TEXT","text":"Our {{1}} is on!","example":{"header_text":["Summer Sale"]}},
            {"type":"BODY","text":"Use code {{1}}.","example":{"body_text":[["25OFF"]]}},
            {"type":"FOOTER","text":"Reply STOP to opt out"}]
            """,
            "POSITIONAL",
            ["Header {{1}}=Summer Sale", "Body {{1}}=25OFF"]
        },
        {
            "named header variable",
            """
            [{"type":"HEADER","format":"TEXT","text":"Hello {{name}}","example":{"header_text_named_params":[{"param_name":"name","example":"Jo"}]}},
            {"type":"BODY","text":"Welcome."}]
            """,
            "NAMED",
            ["Header {{name}}=Jo"]
        },
        {
            "URL button variable sampled from the example URL; quick replies and phone add none",
            """
            [{"type":"BODY","text":"Track your parcel."},
            {"type":"BUTTONS","buttons":[
            {"type":"QUICK_REPLY","text":"Stop promotions"},
            {"type":"PHONE_NUMBER","text":"Call us","phone_number":"+15550051310"},
            {"type":"URL","text":"Track","url":"https://shop.example/track/{{1}}","example":["https://shop.example/track/XY-991"]}]}]
            """,
            "POSITIONAL",
            ["Button 3 URL {{1}}=XY-991"]
        },
        {
            "copy-code button needs a coupon code",
            """[{"type":"BODY","text":"Here is your code."},{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SAVE20"}]}]""",
            "POSITIONAL",
            ["Button 1 coupon code=SAVE20"]
        },
        {
            "image header has no variable; a body variable without example has no sample",
            """[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["https://cdn.example/h.jpg"]}},{"type":"BODY","text":"New in: {{1}}"}]""",
            "POSITIONAL",
            ["Body {{1}}=-"]
        },
        {
            "spaces inside the braces and lower-case types are tolerated",
            """[{"type":"body","text":"Hi {{ 1 }}","example":{"body_text":[["Sam"]]}}]""",
            "POSITIONAL",
            ["Body {{1}}=Sam"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Variables_are_found_in_order_with_their_samples(string because, string components, string format, string[] expected)
    {
        var definition = TemplateDefinition.Parse(components, format);

        definition.Variables.Select(v => $"{v.Label}={v.Sample ?? "-"}").Should().Equal(expected, because);
        definition.Problems.Should().BeEmpty(because);
    }

    [Fact]
    public void Positions_are_numbers_and_named_templates_are_recognised()
    {
        var positional = TemplateDefinition.Parse("""[{"type":"BODY","text":"{{2}} {{10}} {{1}}"}]""", "POSITIONAL");
        positional.BodyVariables.Select(v => v.Position).Should().Equal(1, 2, 10);
        positional.UsesNamedParameters.Should().BeFalse();

        // Even when Meta's parameter_format is missing, a name in braces means named parameters.
        var named = TemplateDefinition.Parse("""[{"type":"BODY","text":"Hi {{first_name}}"}]""", null);
        named.UsesNamedParameters.Should().BeTrue();
        named.BodyVariables.Single().Position.Should().BeNull();
    }

    [Fact]
    public void Header_body_footer_and_buttons_are_read()
    {
        var definition = TemplateDefinition.Parse("""
            [{"type":"HEADER","format":"DOCUMENT","example":{"header_handle":["https://cdn.example/invoice.pdf"]}},
             {"type":"BODY","text":"Your invoice {{1}} is attached."},
             {"type":"FOOTER","text":"Acme Ltd"},
             {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"},{"type":"URL","text":"Pay","url":"https://pay.example/"}]}]
            """);

        definition.Header.Should().Be(new TemplateHeader(TemplateHeaderFormat.Document, null, "https://cdn.example/invoice.pdf"));
        definition.Body.Should().Be("Your invoice {{1}} is attached.");
        definition.Footer.Should().Be("Acme Ltd");
        definition.Buttons.Select(b => (b.Type, b.Text)).Should().Equal(
            (TemplateButtonType.QuickReply, "Thanks"), (TemplateButtonType.Url, "Pay"));
        definition.ButtonVariables.Should().BeEmpty("a URL without a placeholder is fixed");
    }

    [Theory]
    [InlineData("not json", "The template's components are not valid JSON.")]
    [InlineData("""{"type":"BODY"}""", "The template's components are not a list.")]
    [InlineData("""[{"type":"HEADER","format":"TEXT","text":"{{1}} and {{2}}"},{"type":"BODY","text":"x"}]""", "The header has more than one variable; Meta allows one.")]
    public void Malformed_components_are_reported_not_thrown(string components, string problem)
    {
        TemplateDefinition.Parse(components).Problems.Should().Contain(problem);
    }

    [Fact]
    public void Text_splits_into_literals_and_placeholders()
    {
        TemplateDefinition.Segments("Hi {{1}}, code {{code}}!").Should().Equal(
            new TemplateTextSegment("Hi ", false), new TemplateTextSegment("1", true),
            new TemplateTextSegment(", code ", false), new TemplateTextSegment("code", true), new TemplateTextSegment("!", false));
    }

    [Theory]
    [InlineData("APPROVED", true)]
    [InlineData("PENDING", false)]
    [InlineData("REJECTED", false)]
    [InlineData("PAUSED", false)]
    [InlineData("DELETED", false)]
    [InlineData("approved", false)]
    public void Only_approved_templates_are_sendable(string status, bool sendable)
    {
        TemplateSendability.IsSendable(status).Should().Be(sendable);
        new WhatsAppTemplate { Status = status }.IsSendable.Should().Be(sendable);
    }
}
