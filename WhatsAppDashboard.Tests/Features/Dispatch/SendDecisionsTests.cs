using Microsoft.Extensions.Options;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Dispatch;

/// <summary>What each classified error does to a recipient, without a database.</summary>
public sealed class SendDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly DispatchOptions Options = new() { MaxAttempts = 5, BackoffBaseSeconds = 2, MaxBackoffSeconds = 60 };

    private static CloudApiError Error(int code, int? http = 400, bool mayHaveBeenSent = false) =>
        new(code, null, "Title", null, null, http, CloudApiErrors.Classify(code, http), mayHaveBeenSent);

    [Theory]
    [InlineData(1, 1.5, 2.5)]
    [InlineData(2, 3, 5)]
    [InlineData(3, 6, 10)]
    [InlineData(4, 12, 20)]
    [InlineData(6, 45, 75)] // 64 s capped at MaxBackoffSeconds (60), then ±25 %
    public void Transient_errors_back_off_exponentially_with_jitter_until_the_last_attempt(int attempts, double minSeconds, double maxSeconds)
    {
        var options = new DispatchOptions { MaxAttempts = 10, BackoffBaseSeconds = 2, MaxBackoffSeconds = 60 };
        var waits = Enumerable.Range(0, 200).Select(seed =>
            SendDecisions.For(Error(131016, 503), attempts, options, Now, new Random(seed)).NextAttemptAt!.Value - Now).ToList();

        waits.Should().OnlyContain(w => w >= TimeSpan.FromSeconds(minSeconds) && w <= TimeSpan.FromSeconds(maxSeconds));
        waits.Distinct().Count().Should().BeGreaterThan(100, "jitter spreads retries so they do not arrive together");
    }

    [Fact]
    public void A_transient_error_on_the_last_allowed_attempt_fails_the_recipient()
    {
        SendDecisions.For(Error(131016, 503), 4, Options, Now, new Random(1)).Status.Should().Be(RecipientStatus.Pending);
        SendDecisions.For(Error(131016, 503), 5, Options, Now, new Random(1)).Should().Be(new SendDecision(RecipientStatus.Failed));
    }

    [Fact]
    public void The_pair_rate_limit_defers_that_recipient_by_at_least_six_seconds_even_when_the_back_off_is_shorter()
    {
        var options = new DispatchOptions { BackoffBaseSeconds = 0.05, MaxBackoffSeconds = 0.2 };
        for (var seed = 0; seed < 100; seed++)
        {
            var decision = SendDecisions.For(Error(131056), 1, options, Now, new Random(seed));
            decision.Status.Should().Be(RecipientStatus.Pending);
            (decision.NextAttemptAt!.Value - Now).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(6)).And.BeLessThan(TimeSpan.FromSeconds(7.5));
        }
    }

    [Fact]
    public void Metas_marketing_cap_fails_at_once_unless_retrying_hours_later_is_configured()
    {
        SendDecisions.For(Error(131049), 1, Options, Now, new Random(1)).Should().Be(new SendDecision(RecipientStatus.Failed));

        var later = new DispatchOptions { RetryLaterHours = 6, MaxAttempts = 2 };
        var decision = SendDecisions.For(Error(131049), 1, later, Now, new Random(1));
        decision.Status.Should().Be(RecipientStatus.Pending);
        (decision.NextAttemptAt!.Value - Now).Should().BeGreaterThanOrEqualTo(TimeSpan.FromHours(6)).And.BeLessThan(TimeSpan.FromHours(6.5));
        SendDecisions.For(Error(131049), 2, later, Now, new Random(1)).Status.Should().Be(RecipientStatus.Failed, "attempts still run out");
    }

    [Fact]
    public void Opt_out_fails_and_opts_out_permanent_fails_and_account_level_pauses_without_spending_an_attempt()
    {
        SendDecisions.For(Error(131050), 1, Options, Now, new Random(1)).Should().Be(new SendDecision(RecipientStatus.Failed, OptOutContact: true));
        SendDecisions.For(Error(131026), 1, Options, Now, new Random(1)).Should().Be(new SendDecision(RecipientStatus.Failed));
        SendDecisions.For(Error(132001, 404), 1, Options, Now, new Random(1)).Should().Be(new SendDecision(RecipientStatus.Failed));
        SendDecisions.For(Error(190, 401), 5, Options, Now, new Random(1))
            .Should().Be(new SendDecision(RecipientStatus.Pending, PauseCampaign: true, GiveBackAttempt: true), "even on the last attempt: it was not the recipient's fault");
    }

    [Fact]
    public void An_answer_that_never_came_makes_the_recipient_unknown_whatever_its_class()
    {
        SendDecisions.For(CloudApiErrors.TimedOut(TimeSpan.FromSeconds(15)), 1, Options, Now, new Random(1))
            .Should().Be(new SendDecision(RecipientStatus.Unknown));
        SendDecisions.For(CloudApiErrors.UnexpectedResponse(200, "no message id", mayHaveBeenSent: true), 1, Options, Now, new Random(1))
            .Status.Should().Be(RecipientStatus.Unknown);
    }

    [Theory]
    [InlineData("Dispatch:StaleSendingAfterSeconds", "10", "longer than CloudApi:TimeoutSeconds")]
    [InlineData("Dispatch:MaxAttempts", "0", "Dispatch:MaxAttempts")]
    [InlineData("Dispatch:PollIntervalMilliseconds", "5000", "within a second")]
    public void Settings_that_could_send_twice_or_act_too_late_are_refused_at_start(string key, string value, string message)
    {
        var options = new DispatchOptions();
        switch (key)
        {
            case "Dispatch:StaleSendingAfterSeconds": options.StaleSendingAfterSeconds = double.Parse(value); break;
            case "Dispatch:MaxAttempts": options.MaxAttempts = int.Parse(value); break;
            default: options.PollIntervalMilliseconds = int.Parse(value); break;
        }
        var result = new DispatchOptionsValidator(Microsoft.Extensions.Options.Options.Create(new CloudApiOptions { TimeoutSeconds = 15 })).Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(message);
        new DispatchOptionsValidator(Microsoft.Extensions.Options.Options.Create(new CloudApiOptions())).Validate(null, new DispatchOptions())
            .Succeeded.Should().BeTrue("the defaults are valid");
    }
}
