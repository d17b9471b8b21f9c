using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.CloudApi;

/// <summary>The real client, as the app registers it, against the app's own sandbox over real HTTP.</summary>
public sealed class CloudApiClientTests(CloudApiClientTests.Factory app) : IClassFixture<CloudApiClientTests.Factory>
{
    public sealed class Factory : SandboxAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
        {
            ["Sandbox:ThroughputPerSecond"] = "1",
            ["Sandbox:ExtraTemplates"] = "60",
            ["Sandbox:RecipientFailures:1050"] = "131050",
            ["Sandbox:RecipientFailures:1049"] = "131049",
            ["CloudApi:TemplatePageSize"] = "25",
        };
    }

    private static readonly CancellationToken None = CancellationToken.None;

    private static TemplateMessage Welcome(string to, string? callbackData = null) =>
        new(to, "welcome_offer", "en_US", null, [new("Ana"), new("WELCOME10")], [], callbackData);

    [Fact]
    public async Task A_send_returns_the_wamid_and_the_sandbox_counts_one_message_for_that_phone()
    {
        var to = SandboxAppFactory.NewRecipient();

        var result = await app.CloudApi.SendTemplateAsync(app.Target(), Welcome(to, "recipient-17"), None);

        result.Error.Should().BeNull();
        result.Value!.MessageId.Should().StartWith("wamid.");
        result.Value.WaId.Should().Be(to.TrimStart('+'));
        var stats = await app.StatsAsync();
        stats.GetProperty("acceptedByRecipient").GetProperty(to.TrimStart('+')).GetInt32().Should().Be(1);
    }

    [Theory]
    [InlineData("welcome_offer")]
    [InlineData("weekend_sale")]
    [InlineData("tasting_invitation")]
    [InlineData("order_shipped")]
    public async Task Every_approved_sandbox_template_accepts_a_well_formed_send(string template)
    {
        var to = SandboxAppFactory.NewRecipient();
        var message = template switch
        {
            "welcome_offer" => Welcome(to),
            "weekend_sale" => new TemplateMessage(to, template, "en_US",
                new HeaderParameter(HeaderKind.Image, "https://cdn.example.com/sale.jpg"), [new("Ana"), new("30%")], [], null),
            "tasting_invitation" => new TemplateMessage(to, template, "en_US", null, [new("Ana"), new("Friday")],
                [new(0, ButtonParameterKind.QuickReply, "rsvp-yes"), new(1, ButtonParameterKind.QuickReply, "rsvp-no")], null),
            _ => new TemplateMessage(to, template, "en_US", null,
                [new("Ana", "customer_name"), new("NW-2001", "order_number")], [new(0, ButtonParameterKind.Url, "NW-2001")], null),
        };

        var result = await app.CloudApi.SendTemplateAsync(app.Target(), message, None);

        result.Error.Should().BeNull();
        result.Value!.MessageId.Should().StartWith("wamid.");
    }

    [Fact]
    public async Task The_sandbox_receives_the_template_message_exactly_as_Meta_documents_it()
    {
        var to = SandboxAppFactory.NewRecipient();
        var message = new TemplateMessage(
            to, "tasting_invitation", "en_US",
            new HeaderParameter(HeaderKind.Document, "https://cdn.example.com/menu.pdf", "menu.pdf"),
            [new("Ana", "customer_name"), new("Friday", "event_day")],
            // Given out of order: the client sends buttons by index.
            [new(1, ButtonParameterKind.Url, "NW-2001"), new(0, ButtonParameterKind.QuickReply, "rsvp-yes")],
            "recipient-42");

        await app.CloudApi.SendTemplateAsync(app.Target(), message, None);

        var received = await app.ReceivedRequestToAsync(to);
        var expected = JsonNode.Parse($$"""
            {
              "messaging_product": "whatsapp",
              "recipient_type": "individual",
              "to": "{{to}}",
              "type": "template",
              "template": {
                "name": "tasting_invitation",
                "language": { "code": "en_US" },
                "components": [
                  { "type": "header", "parameters": [
                    { "type": "document", "document": { "link": "https://cdn.example.com/menu.pdf", "filename": "menu.pdf" } } ] },
                  { "type": "body", "parameters": [
                    { "type": "text", "parameter_name": "customer_name", "text": "Ana" },
                    { "type": "text", "parameter_name": "event_day", "text": "Friday" } ] },
                  { "type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [ { "type": "payload", "payload": "rsvp-yes" } ] },
                  { "type": "button", "sub_type": "url", "index": "1", "parameters": [ { "type": "text", "text": "NW-2001" } ] }
                ]
              },
              "biz_opaque_callback_data": "recipient-42"
            }
            """);
        JsonNode.DeepEquals(JsonNode.Parse(received.GetProperty("body").GetRawText()), expected)
            .Should().BeTrue("the sandbox received {0}", received.GetProperty("body").GetRawText());
    }

    [Fact]
    public async Task Text_image_and_video_headers_are_sent_as_their_own_parameter_types()
    {
        var cases = new (HeaderParameter Header, string Expected)[]
        {
            (new(HeaderKind.Text, "Hello Ana"), """{"type":"text","text":"Hello Ana"}"""),
            (new(HeaderKind.Image, "https://cdn.example.com/a.jpg"), """{"type":"image","image":{"link":"https://cdn.example.com/a.jpg"}}"""),
            (new(HeaderKind.Video, "https://cdn.example.com/a.mp4"), """{"type":"video","video":{"link":"https://cdn.example.com/a.mp4"}}"""),
        };
        foreach (var (header, expected) in cases)
        {
            var to = SandboxAppFactory.NewRecipient();
            // A new phone-number id each time: the factory caps each at one send per second.
            await app.CloudApi.SendTemplateAsync(app.Target(), Welcome(to) with { Header = header }, None);
            var received = await app.ReceivedRequestToAsync(to);
            var sent = received.GetProperty("body").GetProperty("template").GetProperty("components")[0];
            sent.GetProperty("type").GetString().Should().Be("header");
            JsonNode.DeepEquals(JsonNode.Parse(sent.GetProperty("parameters")[0].GetRawText()), JsonNode.Parse(expected)).Should().BeTrue();
        }
    }

    [Fact]
    public async Task An_unknown_template_is_a_permanent_error_with_Metas_code_title_and_trace_id()
    {
        var result = await app.CloudApi.SendTemplateAsync(
            app.Target(), Welcome(SandboxAppFactory.NewRecipient()) with { TemplateName = "no_such_template" }, None);

        var error = result.Error!;
        error.Code.Should().Be(132001);
        error.Class.Should().Be(ErrorClass.Permanent);
        error.Title.Should().Be("Template name does not exist in the translation");
        error.Details.Should().Contain("no_such_template");
        error.TraceId.Should().NotBeNullOrEmpty();
        error.MayHaveBeenSent.Should().BeFalse();
    }

    [Fact]
    public async Task Wrong_parameters_and_undeliverable_numbers_are_permanent_errors()
    {
        var wrongCount = await app.CloudApi.SendTemplateAsync(
            app.Target(), Welcome(SandboxAppFactory.NewRecipient()) with { BodyParameters = [new("Ana")] }, None);
        var shortNumber = await app.CloudApi.SendTemplateAsync(app.Target(), Welcome("+12345"), None);

        (wrongCount.Error!.Code, wrongCount.Error.Class).Should().Be((132000, ErrorClass.Permanent));
        (shortNumber.Error!.Code, shortNumber.Error.Class).Should().Be((131026, ErrorClass.Permanent));
    }

    [Fact]
    public async Task A_recipient_who_stopped_marketing_messages_is_an_opt_out()
    {
        var result = await app.CloudApi.SendTemplateAsync(app.Target(), Welcome(SandboxAppFactory.NewRecipient("1050")), None);

        (result.Error!.Code, result.Error.Class).Should().Be((131050, ErrorClass.OptOut));
    }

    [Fact]
    public async Task Metas_per_user_marketing_cap_is_retried_later()
    {
        var result = await app.CloudApi.SendTemplateAsync(app.Target(), Welcome(SandboxAppFactory.NewRecipient("1049")), None);

        (result.Error!.Code, result.Error.Class).Should().Be((131049, ErrorClass.RetryLater));
    }

    [Fact]
    public async Task A_bad_access_token_is_an_account_level_error_for_every_call()
    {
        var target = app.Target(accessToken: "not-the-sandbox-token");

        var send = await app.CloudApi.SendTemplateAsync(target, Welcome(SandboxAppFactory.NewRecipient()), None);
        var templates = await app.CloudApi.ListTemplatesAsync(target, None);
        var phone = await app.CloudApi.GetPhoneNumberAsync(target, None);

        foreach (var error in new[] { send.Error, templates.Error, phone.Error })
        {
            error.Should().NotBeNull();
            (error!.Code, error.HttpStatus, error.Class).Should().Be((190, 401, ErrorClass.AccountLevel));
        }
    }

    [Fact]
    public async Task Sending_faster_than_the_numbers_throughput_is_a_transient_error()
    {
        // The factory caps each phone number at 1 message per second; five at once cannot all pass.
        var target = app.Target();
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            app.CloudApi.SendTemplateAsync(target, Welcome(SandboxAppFactory.NewRecipient()), None)));

        results.Should().Contain(r => r.Succeeded);
        var refused = results.Where(r => !r.Succeeded).Select(r => r.Error!).ToList();
        refused.Should().NotBeEmpty();
        refused.Should().OnlyContain(e => e.Code == 130429 && e.Class == ErrorClass.Transient && e.HttpStatus == 400);
    }

    [Fact]
    public async Task A_connection_that_cannot_be_made_is_a_transient_network_error_that_sent_nothing()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await app.CloudApi.SendTemplateAsync(
            app.Target() with { BaseUrl = $"http://127.0.0.1:{closedPort}/sandbox/graph" }, Welcome(SandboxAppFactory.NewRecipient()), None);

        result.Error!.Code.Should().Be(CloudApiErrors.NetworkErrorCode);
        result.Error.Class.Should().Be(ErrorClass.Transient);
        result.Error.MayHaveBeenSent.Should().BeFalse();
    }

    [Fact]
    public async Task Account_settings_that_cannot_make_a_request_are_an_account_level_error()
    {
        var noUrl = await app.CloudApi.GetPhoneNumberAsync(app.Target() with { BaseUrl = "not a url" }, None);
        var noToken = await app.CloudApi.GetPhoneNumberAsync(app.Target() with { AccessToken = "" }, None);

        noUrl.Error!.Class.Should().Be(ErrorClass.AccountLevel);
        noUrl.Error.Details.Should().Contain("not a url");
        noToken.Error!.Class.Should().Be(ErrorClass.AccountLevel);
        noToken.Error.Details.Should().Contain("access token");
    }

    [Fact]
    public async Task Listing_templates_follows_every_page()
    {
        // 5 built-in + 60 extra templates, 25 per page: three pages.
        var result = await app.CloudApi.ListTemplatesAsync(app.Target(), None);

        var templates = result.Value!;
        templates.Should().HaveCount(65);
        templates.Select(t => t.Id).Should().OnlyHaveUniqueItems();
        templates.Select(t => t.Name).Should().Contain(["welcome_offer", "weekend_sale", "tasting_invitation", "order_shipped",
            "loyalty_points_update", "sandbox_extra_0001", "sandbox_extra_0060"]);
        templates.Single(t => t.Name == "loyalty_points_update").Status.Should().Be("PENDING");
        templates.Where(t => t.Name != "loyalty_points_update").Should().OnlyContain(t => t.Status == "APPROVED");

        var shipped = templates.Single(t => t.Name == "order_shipped");
        (shipped.Language, shipped.Category, shipped.ParameterFormat).Should().Be(("en_US", "UTILITY", "NAMED"));
        var components = JsonDocument.Parse(shipped.ComponentsJson).RootElement;
        components.EnumerateArray().Select(c => c.GetProperty("type").GetString()).Should().Equal("BODY", "BUTTONS");
        components[1].GetProperty("buttons")[0].GetProperty("url").GetString().Should().Be("https://shop.example.com/track/{{1}}");
    }

    [Fact]
    public async Task Phone_number_info_reports_display_number_name_quality_throughput_and_tier()
    {
        var target = app.Target();

        var info = (await app.CloudApi.GetPhoneNumberAsync(target, None)).Value!;

        info.Id.Should().Be(target.PhoneNumberId);
        info.DisplayPhoneNumber.Should().StartWith("+1 202-555-01");
        info.VerifiedName.Should().Be("Sandbox Business");
        info.QualityRating.Should().Be("GREEN");
        info.Throughput.Should().Be("STANDARD");
        info.MessagingLimitTier.Should().Be("TIER_10K");
    }

    [Fact]
    public async Task The_access_token_never_reaches_the_logs()
    {
        const string wrongToken = "wrong-token-that-must-not-be-logged";
        await app.CloudApi.SendTemplateAsync(app.Target(), Welcome(SandboxAppFactory.NewRecipient()), None);
        await app.CloudApi.SendTemplateAsync(app.Target(accessToken: wrongToken), Welcome(SandboxAppFactory.NewRecipient()), None);
        await app.CloudApi.ListTemplatesAsync(app.Target(), None);
        await app.CloudApi.SendTemplateAsync(app.Target(), Welcome(SandboxAppFactory.NewRecipient()) with { TemplateName = "nope" }, None);

        var lines = app.Logs.Lines;
        lines.Should().Contain(l => l.Contains("System.Net.Http.HttpClient"), "the client's requests are logged at trace level");
        lines.Should().Contain(l => l.Contains("Cloud API send") && l.Contains("132001"), "failures are logged");
        lines.Where(l => l.Contains(app.AccessToken) || l.Contains(wrongToken)).Should().BeEmpty();
    }
}
