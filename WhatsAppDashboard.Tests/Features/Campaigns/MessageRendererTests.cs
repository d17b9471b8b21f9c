using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Rendering;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>The renderer alone: what goes to the Cloud API, and that the preview is built from exactly that.</summary>
public sealed class MessageRendererTests
{
    private const string RichTemplate = """
        [{"type":"HEADER","format":"TEXT","text":"Hello {{1}}"},
         {"type":"BODY","text":"Dear {{1}}, your {{2}} points expire in {{3}} days. Bye {{1}}!"},
         {"type":"FOOTER","text":"Reply STOP to opt out"},
         {"type":"BUTTONS","buttons":[
            {"type":"QUICK_REPLY","text":"Stop"},
            {"type":"URL","text":"Open offer","url":"https://shop.example/o/{{1}}"},
            {"type":"COPY_CODE","example":"SAVE10"},
            {"type":"PHONE_NUMBER","text":"Call us","phone_number":"+442079460000"}]}]
        """;

    private static readonly Dictionary<string, ParameterMapping> RichMappings = new()
    {
        ["header.1"] = new(MappingSource.Field, Field: "NAME"),
        ["body.1"] = new(MappingSource.Field, Field: "first_name", Fallback: "customer"),
        ["body.2"] = new(MappingSource.Field, Field: "Points"),
        ["body.3"] = new(MappingSource.DaysLeft, Fallback: "a few"),
        ["button.1.1"] = new(MappingSource.Field, Field: "offer"),
        ["button.2.coupon"] = new(MappingSource.Text, Text: "  SPRING \n 24 "),
    };

    private static AudienceMember Member(string phone, string name, params (string Key, string Value)[] fields) =>
        new(phone, name, fields.ToDictionary(f => f.Key, f => f.Value));

    [Fact]
    public void Ten_body_variables_are_sent_and_shown_in_numeric_order_whatever_their_order_in_the_text()
    {
        // {{10}} comes first in the text and {{2}} after it: sorting as text would send "10" before "2".
        var body = "Z{{10}} B{{2}} A{{1}} " + string.Join(" ", Enumerable.Range(3, 7).Select(i => $"X{{{{{i}}}}}"));
        var definition = TemplateDefinition.Parse($$"""[{"type":"BODY","text":"{{body}}"}]""");
        var mappings = Enumerable.Range(1, 10).ToDictionary(i => $"body.{i}", i => new ParameterMapping(MappingSource.Field, Field: $"f{i}"));
        var member = Member("+447700900001", "Ann", Enumerable.Range(1, 10).Select(i => ($"f{i}", $"v{i}")).ToArray());

        var rendered = new MessageRenderer("promo", "en_GB", definition, mappings).Render(member, null);

        rendered.Message.BodyParameters.Select(p => p.Value).Should().Equal(Enumerable.Range(1, 10).Select(i => $"v{i}"));
        rendered.Message.BodyParameters.Should().OnlyContain(p => p.Name == null, "positional templates send values by position");
        rendered.Preview.BodyText.Should().Be("Zv10 Bv2 Av1 Xv3 Xv4 Xv5 Xv6 Xv7 Xv8 Xv9");
        rendered.EmptySlots.Should().BeEmpty();
    }

    [Fact]
    public void A_rich_template_gets_header_body_and_button_parameters_of_the_right_kinds()
    {
        var renderer = new MessageRenderer("points_reminder", "en_GB", TemplateDefinition.Parse(RichTemplate), RichMappings);
        var member = Member("+44 7700 900001", "Ann Smith", ("first_name", "Ann"), ("points", "1,200"), ("offer", "A-17"));

        var rendered = renderer.Render(member, daysLeft: 12, callbackData: "r-42");

        var message = rendered.Message;
        message.To.Should().Be("447700900001", "Meta wants the number as digits, without the plus");
        message.TemplateName.Should().Be("points_reminder");
        message.LanguageCode.Should().Be("en_GB");
        message.CallbackData.Should().Be("r-42");
        message.Header.Should().Be(new HeaderParameter(HeaderKind.Text, "Ann Smith"));
        message.BodyParameters.Select(p => p.Value).Should().Equal("Ann", "1,200", "12");
        message.Buttons.Should().Equal(
            new ButtonParameter(1, ButtonParameterKind.Url, "A-17"),
            new ButtonParameter(2, ButtonParameterKind.CouponCode, "SPRING 24"));

        rendered.Preview.HeaderText.Should().Be("Hello Ann Smith");
        rendered.Preview.BodyText.Should().Be("Dear Ann, your 1,200 points expire in 12 days. Bye Ann!");
        rendered.Preview.Footer.Should().Be("Reply STOP to opt out");
        rendered.Preview.Buttons.Select(b => (b.Text, b.Url, b.CouponCode, b.PhoneNumber)).Should().Equal(
            ("Stop", null, null, null),
            ("Open offer", "https://shop.example/o/A-17", null, null),
            ("Copy offer code", null, "SPRING 24", null),
            ("Call us", null, null, "+442079460000"));
        rendered.Preview.ToPlainText().Should().Be(
            "Hello Ann Smith\nDear Ann, your 1,200 points expire in 12 days. Bye Ann!\nReply STOP to opt out\n" +
            "[Stop]\n[Open offer → https://shop.example/o/A-17]\n[Copy offer code: SPRING 24]\n[Call us: +442079460000]");
    }

    [Fact]
    public void Blank_values_take_the_fallback_and_blanks_without_one_are_reported_empty()
    {
        var renderer = new MessageRenderer("points_reminder", "en_GB", TemplateDefinition.Parse(RichTemplate), RichMappings);
        var member = Member("+447700900002", "", ("first_name", "   "), ("offer", "B-1"));

        var rendered = renderer.Render(member, daysLeft: null);

        rendered.Message.BodyParameters.Select(p => p.Value).Should().Equal("customer", "", "a few");
        rendered.Preview.BodyText.Should().Be("Dear customer, your  points expire in a few days. Bye customer!");
        rendered.EmptySlots.Should().Equal("header.1", "body.2");
        rendered.Preview.BodyParts.Where(p => p.IsEmpty).Select(p => p.VariableKey).Should().Equal("2");
    }

    [Fact]
    public void Fields_are_found_ignoring_case_and_values_lose_line_breaks_and_runs_of_spaces()
    {
        var member = Member("+447700900003", "Bo", ("City", "Leeds"), ("note", " two\nlines\t and   spaces "));

        MessageRenderer.FieldValue(member, "city").Should().Be("Leeds");
        MessageRenderer.FieldValue(member, " PHONE ").Should().Be("+447700900003");
        MessageRenderer.FieldValue(member, "Name").Should().Be("Bo");
        MessageRenderer.FieldValue(member, "missing").Should().BeNull();
        MessageRenderer.Resolve(new(MappingSource.Field, Field: "NOTE"), member, null)
            .Should().Be(new ResolvedValue("two lines and spaces", false));
        MessageRenderer.Resolve(new(MappingSource.Field, Field: "missing", Fallback: " \n "), member, null).Should().Be(ResolvedValue.Empty);
        MessageRenderer.Resolve(null, member, null).Should().Be(ResolvedValue.Empty);
    }

    [Fact]
    public void Named_templates_send_each_value_with_its_parameter_name()
    {
        var definition = TemplateDefinition.Parse("""
            [{"type":"HEADER","format":"TEXT","text":"For {{who}}"},
             {"type":"BODY","text":"See you at {{time}}, {{who}}."}]
            """, TemplateDefinition.NamedFormat);
        var mappings = new Dictionary<string, ParameterMapping>
        {
            ["header.who"] = new(MappingSource.Field, Field: "name"),
            ["body.time"] = new(MappingSource.Text, Text: "10:00"),
            ["body.who"] = new(MappingSource.Field, Field: "name"),
        };

        var rendered = new MessageRenderer("appointment", "en_GB", definition, mappings).Render(Member("+447700900004", "Ola"), null);

        rendered.Message.Header.Should().Be(new HeaderParameter(HeaderKind.Text, "Ola", Name: "who"));
        rendered.Message.BodyParameters.Should().Equal(new TextParameter("10:00", "time"), new TextParameter("Ola", "who"));
        rendered.Preview.BodyText.Should().Be("See you at 10:00, Ola.");
    }

    [Theory]
    [InlineData("IMAGE", HeaderKind.Image)]
    [InlineData("DOCUMENT", HeaderKind.Document)]
    [InlineData("VIDEO", HeaderKind.Video)]
    public void A_media_header_gets_its_link_from_the_header_media_mapping(string format, HeaderKind kind)
    {
        var definition = TemplateDefinition.Parse($$"""[{"type":"HEADER","format":"{{format}}"},{"type":"BODY","text":"Here it is."}]""");
        var mappings = new Dictionary<string, ParameterMapping>
        {
            [ParameterMappings.HeaderMediaKey] = new(MappingSource.Field, Field: "file", Fallback: "https://cdn.example/default.pdf"),
        };
        var renderer = new MessageRenderer("media", "en_GB", definition, mappings);

        renderer.Slots.Select(s => s.Key).Should().Equal(ParameterMappings.HeaderMediaKey);
        var own = renderer.Render(Member("+447700900005", "A", ("file", "https://cdn.example/a.pdf")), null);
        var fallback = renderer.Render(Member("+447700900006", "B"), null);

        own.Message.Header.Should().Be(new HeaderParameter(kind, "https://cdn.example/a.pdf"));
        own.Preview.HeaderMediaUrl.Should().Be("https://cdn.example/a.pdf");
        fallback.Message.Header.Should().Be(new HeaderParameter(kind, "https://cdn.example/default.pdf"));
        own.Message.BodyParameters.Should().BeEmpty();
    }

    [Fact]
    public void The_preview_is_exactly_what_the_sent_message_makes_of_the_template()
    {
        var definition = TemplateDefinition.Parse(RichTemplate);
        var renderer = new MessageRenderer("points_reminder", "en_GB", definition, RichMappings);
        AudienceMember[] members =
        [
            Member("+447700900001", "Ann Smith", ("first_name", "Ann"), ("points", "1,200"), ("offer", "A-17")),
            Member("+447700900002", "", ("first_name", ""), ("Points", "5"), ("offer", "x y")),
            Member("+15550000003", "Zoë {{1}}", ("FIRST_NAME", "Zoë"), ("points", "  7 \t"), ("offer", "")),
        ];

        foreach (var (member, daysLeft) in members.Zip(new int?[] { 3, null, 0 }))
        {
            var rendered = renderer.Render(member, daysLeft);
            // What Meta receives, read back as Meta would apply it to the template.
            var sent = SentText.FromPayload(definition, TemplateMessagePayload.Build(rendered.Message));

            rendered.Preview.HeaderText.Should().Be(sent.Header, "the header of {0}", member.Phone);
            rendered.Preview.BodyText.Should().Be(sent.Body, "the body of {0}", member.Phone);
            rendered.Preview.Buttons.Where(b => b.Url is not null).Select(b => b.Url).Should().Equal(sent.Urls);
            rendered.Preview.Buttons.Where(b => b.CouponCode is not null).Select(b => b.CouponCode).Should().Equal(sent.Codes);
        }
    }

    [Fact]
    public void Slots_list_every_variable_and_unmapped_or_unusable_ones_are_problems()
    {
        var definition = TemplateDefinition.Parse("""
            [{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"{{2}} and {{1}}"},
             {"type":"BUTTONS","buttons":[{"type":"URL","text":"Go","url":"https://x.example/{{1}}"}]}]
            """);
        var slots = ParameterSlots.Of(definition);
        var mappings = new Dictionary<string, ParameterMapping>
        {
            [ParameterMappings.HeaderMediaKey] = new(MappingSource.Text, Text: "not a link"),
            ["body.1"] = new(MappingSource.DaysLeft),
            ["button.0.1"] = new(MappingSource.Field, Field: " "),
        };

        slots.Select(s => (s.Key, s.Label)).Should().Equal(
            ("header.media", "Header image link"), ("body.1", "Body {{1}}"), ("body.2", "Body {{2}}"), ("button.0.1", "Button 1 URL {{1}}"));
        var problems = ParameterSlots.Problems(slots, mappings, isRecurring: false);
        problems.Keys.Should().BeEquivalentTo("header.media", "body.1", "body.2", "button.0.1");
        problems["header.media"].Should().Be("Enter the full address of the file, starting with https://.");
        problems["body.1"].Should().StartWith("{days_left} has a value only in recurring campaigns");
        problems["body.2"].Should().Be("Choose where {{2}} comes from.");
        problems["button.0.1"].Should().Be("Choose the audience field, or type its name.");

        ParameterSlots.Problems(slots, mappings, isRecurring: true).Keys.Should().NotContain("body.1", "recurring campaigns have days left");
        ParameterSlots.Problems(slots, new Dictionary<string, ParameterMapping>(mappings) { ["body.1"] = new(MappingSource.DaysLeft, Fallback: "soon") }, false)
            .Keys.Should().NotContain("body.1", "a fallback covers campaigns that are not recurring");
    }

    [Fact]
    public void Days_left_counts_to_the_end_date_of_recurring_campaigns_only()
    {
        var recurring = new Campaign { ScheduleKind = ScheduleKind.Recurring, RecurrenceEnd = new DateOnly(2026, 12, 31) };

        DaysLeft.On(recurring, new DateOnly(2026, 12, 1)).Should().Be(30);
        DaysLeft.On(recurring, new DateOnly(2026, 12, 31)).Should().Be(0);
        DaysLeft.On(recurring, new DateOnly(2027, 1, 2)).Should().Be(0);
        DaysLeft.On(new Campaign { ScheduleKind = ScheduleKind.Once, RecurrenceEnd = new DateOnly(2026, 12, 31) }, new DateOnly(2026, 12, 1)).Should().BeNull();
        DaysLeft.On(new Campaign { ScheduleKind = ScheduleKind.Recurring }, new DateOnly(2026, 12, 1)).Should().BeNull();
    }
}
