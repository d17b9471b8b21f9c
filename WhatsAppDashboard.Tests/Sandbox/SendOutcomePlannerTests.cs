using Microsoft.Extensions.Options;
using WhatsAppDashboard.Sandbox;

namespace WhatsAppDashboard.Tests.Sandbox;

public sealed class SendOutcomePlannerTests
{
    private static SendOutcomePlanner Planner(SandboxOptions options, int seed = 7) => new(new SandboxRandom(seed), Options.Create(options));

    private static IEnumerable<string> Kinds(IEnumerable<PlannedWebhook> plan) => plan.Select(p => p.Event switch
    {
        StatusEvent s => s.Status,
        ButtonReplyEvent => "button",
        TextReplyEvent t => "text:" + t.Body,
        _ => "?",
    });

    [Fact]
    public void A_message_that_is_never_delivered_only_reports_sent()
    {
        var plan = Planner(SandboxTestData.Certain()).Plan(SandboxTestData.Send("welcome_offer"));

        Kinds(plan).Should().Equal("sent");
    }

    [Fact]
    public void A_delivered_unread_message_reports_sent_then_delivered()
    {
        var plan = Planner(SandboxTestData.Certain(o => o.DeliveredProbability = 1)).Plan(SandboxTestData.Send("welcome_offer"));

        Kinds(plan).Should().Equal("sent", "delivered");
        plan[1].After.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_read_message_reports_sent_delivered_read_in_time_order()
    {
        var plan = Planner(SandboxTestData.Certain(o => (o.DeliveredProbability, o.ReadProbability) = (1, 1)))
            .Plan(SandboxTestData.Send("welcome_offer"));

        Kinds(plan).Should().Equal("sent", "delivered", "read");
        plan.Select(p => p.After).Should().BeInAscendingOrder();
        plan[2].After.Should().Be(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Read_at_once_reports_no_delivered_event_as_Meta_does()
    {
        var plan = Planner(SandboxTestData.Certain(o => (o.DeliveredProbability, o.ReadProbability, o.ReadWithoutDeliveredProbability) = (1, 1, 1)))
            .Plan(SandboxTestData.Send("welcome_offer"));

        Kinds(plan).Should().Equal("sent", "read");
    }

    [Fact]
    public void A_clicked_quick_reply_carries_the_payload_sent_for_that_button_or_else_its_text()
    {
        var options = SandboxTestData.Certain(o => (o.DeliveredProbability, o.ReadProbability, o.ButtonClickProbability) = (1, 1, 1));
        var payloads = new Dictionary<int, string> { [0] = "rsvp-yes", [1] = "rsvp-no" };
        var template = SandboxTestData.Template("tasting_invitation");
        var planner = Planner(options);

        var clicks = Enumerable.Range(0, 60)
            .Select(_ => planner.Plan(SandboxTestData.Send("tasting_invitation", payloads)).Last().Event)
            .Cast<ButtonReplyEvent>()
            .ToList();

        clicks.Select(c => (c.Payload, c.Text)).Distinct().Should().BeEquivalentTo(new[]
        {
            ("rsvp-yes", template.Buttons[0].Text),
            ("rsvp-no", template.Buttons[1].Text),
            (template.Buttons[2].Text, template.Buttons[2].Text),
        }, "every button gets clicked some time, and the third had no payload");
    }

    [Fact]
    public void A_template_without_quick_replies_gets_stop_replies_instead()
    {
        var options = SandboxTestData.Certain(o =>
            (o.DeliveredProbability, o.ReadProbability, o.ButtonClickProbability, o.StopReplyProbability) = (1, 1, 1, 1));

        var plan = Planner(options).Plan(SandboxTestData.Send("welcome_offer"));

        Kinds(plan).Should().Equal("sent", "delivered", "read", "text:STOP");
        plan[3].After.Should().Be(TimeSpan.FromSeconds(6));
    }

    [Fact]
    public void A_failed_status_carries_the_drawn_error_code()
    {
        var options = SandboxTestData.Certain(o => (o.DeliveredProbability, o.FailedStatusRates) = (1, new() { ["131049"] = 1 }));

        var plan = Planner(options).Plan(SandboxTestData.Send("welcome_offer"));

        Kinds(plan).Should().Equal("sent", "failed");
        ((StatusEvent)plan[1].Event).Error!.Code.Should().Be(131049);
    }

    [Fact]
    public void Recipients_ending_in_a_configured_suffix_always_fail_with_its_code_and_the_longest_suffix_wins()
    {
        var options = SandboxTestData.Certain(o => o.RecipientFailures = new() { ["00"] = 131026, ["1050"] = 131050, ["91050"] = 131049, ["77"] = 0 });
        var planner = Planner(options);

        planner.ImmediateFailure("4915112341050")!.Code.Should().Be(131050);
        planner.ImmediateFailure("4915112391050")!.Code.Should().Be(131049);
        planner.ImmediateFailure("4915112345600")!.Code.Should().Be(131026);
        planner.ImmediateFailure("4915112345677").Should().BeNull("a code of 0 switches the suffix off");
        planner.ImmediateFailure("4915112345678").Should().BeNull();
    }

    [Fact]
    public void The_failure_mix_hits_about_its_share_and_repeats_itself_with_the_same_seed()
    {
        var options = SandboxTestData.Certain(o => o.FailureRates = new() { ["131026"] = 0.02, ["131049"] = 0.01 });

        int?[] Draw(int seed)
        {
            var planner = Planner(options, seed);
            return Enumerable.Range(0, 20_000).Select(_ => planner.ImmediateFailure("4915112345678")?.Code).ToArray();
        }

        var first = Draw(99);
        first.Count(c => c == 131026).Should().BeInRange(300, 500);
        first.Count(c => c == 131049).Should().BeInRange(130, 270);
        first.Count(c => c is null).Should().BeInRange(19_200, 19_500);
        Draw(99).Should().Equal(first);
    }
}
