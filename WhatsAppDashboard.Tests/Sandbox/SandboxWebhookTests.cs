using System.Security.Cryptography;
using System.Text;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Sandbox;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Sandbox;

/// <summary>
/// Webhooks from the sandbox to a receiver of our own, over real HTTP: every message is delivered and read, and
/// answered with a button click (templates with quick replies) or STOP (the others).
/// </summary>
public sealed class SandboxWebhookTests(SandboxWebhookTests.Factory app) : IClassFixture<SandboxWebhookTests.Factory>
{
    public sealed class Factory : SandboxAppFactory
    {
        public WebhookReceiver Receiver { get; } = new();

        protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
        {
            ["Sandbox:WebhookUrl"] = Receiver.Url,
            ["Sandbox:DeliveredProbability"] = "1",
            ["Sandbox:ReadProbability"] = "1",
            ["Sandbox:ButtonClickProbability"] = "1",
            ["Sandbox:StopReplyProbability"] = "1",
        };

        public override async Task InitializeAsync()
        {
            await Receiver.StartAsync();
            await base.InitializeAsync();
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    private static bool IsAbout(ReceivedWebhook webhook, string wamid) =>
        webhook.Status?.GetProperty("id").GetString() == wamid
        || (webhook.Message is { } m && m.TryGetProperty("context", out var context) && context.GetProperty("id").GetString() == wamid);

    private static string? StatusOf(ReceivedWebhook webhook) => webhook.Status?.GetProperty("status").GetString();

    [Fact]
    public async Task Statuses_arrive_signed_with_the_app_secret_and_echo_the_callback_data()
    {
        var target = app.Target();
        var to = SandboxAppFactory.NewRecipient();
        var sent = await app.CloudApi.SendTemplateAsync(target,
            new TemplateMessage(to, "welcome_offer", "en_US", null, [new("Ana"), new("X1")], [], "recipient-1234"), CancellationToken.None);
        var wamid = sent.Value!.MessageId;

        var received = await app.Receiver.WaitUntilAsync(
            all => new[] { "sent", "delivered", "read" }.All(s => all.Any(w => IsAbout(w, wamid) && StatusOf(w) == s)),
            "sent, delivered and read");

        var statuses = received.Where(w => w.Status is not null && IsAbout(w, wamid)).ToList();
        foreach (var webhook in statuses)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(
                HMACSHA256.HashData(Encoding.UTF8.GetBytes(SandboxAppFactory.AppSecret), webhook.RawBody));
            webhook.Signature.Should().Be(expected);

            var json = webhook.Json;
            json.GetProperty("object").GetString().Should().Be("whatsapp_business_account");
            json.GetProperty("entry")[0].GetProperty("id").GetString().Should().Be(SandboxAppFactory.WabaId);
            json.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("field").GetString().Should().Be("messages");
            webhook.Value.GetProperty("messaging_product").GetString().Should().Be("whatsapp");
            webhook.Value.GetProperty("metadata").GetProperty("phone_number_id").GetString().Should().Be(target.PhoneNumberId);
            webhook.Value.GetProperty("metadata").GetProperty("display_phone_number").GetString().Should().MatchRegex("^[0-9]+$");

            var status = webhook.Status!.Value;
            status.GetProperty("recipient_id").GetString().Should().Be(to.TrimStart('+'));
            status.GetProperty("biz_opaque_callback_data").GetString().Should().Be("recipient-1234");
            long.Parse(status.GetProperty("timestamp").GetString()!).Should().BeGreaterThan(1_700_000_000);
        }
    }

    [Fact]
    public async Task A_quick_reply_click_answers_the_message_with_the_payload_that_was_sent_for_that_button()
    {
        var to = SandboxAppFactory.NewRecipient();
        var payloads = new Dictionary<int, string> { [0] = "rsvp-yes:77", [1] = "rsvp-no:77", [2] = "stop:77" };
        var sent = await app.CloudApi.SendTemplateAsync(app.Target(),
            new TemplateMessage(to, "tasting_invitation", "en_US", null, [new("Ana"), new("Friday")],
                payloads.Select(p => new ButtonParameter(p.Key, ButtonParameterKind.QuickReply, p.Value)).ToList(), null),
            CancellationToken.None);
        var wamid = sent.Value!.MessageId;

        var received = await app.Receiver.WaitUntilAsync(all => all.Any(w => IsAbout(w, wamid) && w.Message is not null), "a button click");

        var click = received.Single(w => IsAbout(w, wamid) && w.Message is not null);
        var message = click.Message!.Value;
        message.GetProperty("type").GetString().Should().Be("button");
        message.GetProperty("from").GetString().Should().Be(to.TrimStart('+'));
        message.GetProperty("id").GetString().Should().StartWith("wamid.").And.NotBe(wamid);
        var template = SandboxTestData.Template("tasting_invitation");
        var button = (message.GetProperty("button").GetProperty("payload").GetString(), message.GetProperty("button").GetProperty("text").GetString());
        button.Should().BeOneOf(payloads.Select(p => ((string?)p.Value, (string?)template.Buttons[p.Key].Text)));
        click.Value.GetProperty("contacts")[0].GetProperty("wa_id").GetString().Should().Be(to.TrimStart('+'));
    }

    [Fact]
    public async Task A_template_without_quick_replies_gets_a_STOP_text_from_the_recipient()
    {
        var to = SandboxAppFactory.NewRecipient();
        await app.CloudApi.SendTemplateAsync(app.Target(),
            new TemplateMessage(to, "welcome_offer", "en_US", null, [new("Ana"), new("X1")], [], null), CancellationToken.None);
        var digits = to.TrimStart('+');

        var received = await app.Receiver.WaitUntilAsync(
            all => all.Any(w => w.Message?.GetProperty("from").GetString() == digits), "a STOP reply");

        var message = received.Single(w => w.Message?.GetProperty("from").GetString() == digits).Message!.Value;
        message.GetProperty("type").GetString().Should().Be("text");
        message.GetProperty("text").GetProperty("body").GetString().Should().Be(SendOutcomePlanner.StopKeyword);
    }
}

/// <summary>Read straight away: Meta then sends "read" without "delivered".</summary>
public sealed class SandboxReadWithoutDeliveredTests(SandboxReadWithoutDeliveredTests.Factory app)
    : IClassFixture<SandboxReadWithoutDeliveredTests.Factory>
{
    public sealed class Factory : SandboxAppFactory
    {
        public WebhookReceiver Receiver { get; } = new();

        protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
        {
            ["Sandbox:WebhookUrl"] = Receiver.Url,
            ["Sandbox:DeliveredProbability"] = "1",
            ["Sandbox:ReadProbability"] = "1",
            ["Sandbox:ReadWithoutDeliveredProbability"] = "1",
        };

        public override async Task InitializeAsync()
        {
            await Receiver.StartAsync();
            await base.InitializeAsync();
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_message_read_at_once_reports_sent_and_read_and_never_delivered()
    {
        var sent = await app.CloudApi.SendTemplateAsync(app.Target(),
            new TemplateMessage(SandboxAppFactory.NewRecipient(), "welcome_offer", "en_US", null, [new("Ana"), new("X1")], [], "r-5"),
            CancellationToken.None);
        var wamid = sent.Value!.MessageId;

        await app.Receiver.WaitUntilAsync(
            all => all.Any(w => w.Status?.GetProperty("id").GetString() == wamid && w.Status?.GetProperty("status").GetString() == "read"),
            "the read status");
        // Then wait until the sandbox has nothing left to send, so a late "delivered" could not be missed.
        await WaitUntilNoWebhookIsPendingAsync();

        app.Receiver.Received
            .Where(w => w.Status?.GetProperty("id").GetString() == wamid)
            .Select(w => w.Status!.Value.GetProperty("status").GetString())
            .Should().BeEquivalentTo(["sent", "read"]);
    }

    private async Task WaitUntilNoWebhookIsPendingAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while ((await app.StatsAsync()).GetProperty("webhooks").GetProperty("pending").GetInt64() > 0)
            await Task.Delay(50, timeout.Token);
    }
}
