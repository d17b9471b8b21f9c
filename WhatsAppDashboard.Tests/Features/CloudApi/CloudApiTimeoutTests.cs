using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.CloudApi;

public sealed class CloudApiTimeoutTests(CloudApiTimeoutTests.Factory app) : IClassFixture<CloudApiTimeoutTests.Factory>
{
    /// <summary>A sandbox slower than the client is willing to wait.</summary>
    public sealed class Factory : SandboxAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
        {
            ["Sandbox:Latency:MeanMs"] = "10000",
            ["CloudApi:TimeoutSeconds"] = "0.5",
        };
    }

    [Fact]
    public async Task A_call_that_outlasts_the_time_out_is_a_transient_error_that_may_have_been_sent()
    {
        var message = new TemplateMessage(SandboxAppFactory.NewRecipient(), "welcome_offer", "en_US", null, [new("Ana"), new("X")], [], null);

        var send = await app.CloudApi.SendTemplateAsync(app.Target(), message, CancellationToken.None);
        var phone = await app.CloudApi.GetPhoneNumberAsync(app.Target(), CancellationToken.None);

        foreach (var error in new[] { send.Error!, phone.Error! })
        {
            error.Code.Should().Be(CloudApiErrors.TimeoutCode);
            error.Class.Should().Be(ErrorClass.Transient);
            error.Title.Should().Be("Timed out");
        }
        send.Error!.MayHaveBeenSent.Should().BeTrue("the request reached the server before the client gave up");
    }

    [Fact]
    public async Task The_callers_own_cancellation_is_not_mistaken_for_a_time_out()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var call = () => app.CloudApi.GetPhoneNumberAsync(app.Target(), cancel.Token);

        await call.Should().ThrowAsync<OperationCanceledException>();
    }
}
