using WhatsAppDashboard.Sandbox;

namespace WhatsAppDashboard.Tests.Sandbox;

public sealed class SandboxOptionsValidatorTests
{
    private static IEnumerable<string> Failures(Action<SandboxOptions> change)
    {
        var options = new SandboxOptions();
        change(options);
        return new SandboxOptionsValidator().Validate(null, options).Failures ?? [];
    }

    [Fact]
    public void The_defaults_are_valid() => Failures(_ => { }).Should().BeEmpty();

    [Theory]
    [InlineData("AccessToken")]
    [InlineData("WebhookUrl")]
    [InlineData("DeliveredProbability")]
    [InlineData("FailureRates")]
    [InlineData("RecipientFailures")]
    [InlineData("Latency")]
    [InlineData("ThroughputPerSecond")]
    public void A_setting_that_cannot_work_is_refused_by_name(string setting)
    {
        Action<SandboxOptions> change = setting switch
        {
            "AccessToken" => o => o.AccessToken = " ",
            "WebhookUrl" => o => o.WebhookUrl = "/webhooks/whatsapp",
            "DeliveredProbability" => o => o.DeliveredProbability = 1.5,
            "FailureRates" => o => o.FailureRates = new() { ["131026"] = 0.7, ["131049"] = 0.7 },
            "RecipientFailures" => o => o.RecipientFailures = new() { ["12ab"] = 131026 },
            "Latency" => o => o.Latency = new SandboxDelay { MeanMs = -5 },
            _ => o => o.ThroughputPerSecond = -1,
        };

        Failures(change).Should().ContainSingle().Which.Should().Contain("Sandbox:" + setting);
    }

    [Fact]
    public void A_disabled_sandbox_is_not_checked() =>
        Failures(o => (o.Enabled, o.AccessToken) = (false, "")).Should().BeEmpty();
}
