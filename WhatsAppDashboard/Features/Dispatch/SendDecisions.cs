using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>What happens to a recipient after a failed send.</summary>
/// <param name="Status">Pending (try again at <paramref name="NextAttemptAt"/>), Failed or Unknown.</param>
/// <param name="OptOutContact">Meta says the person stopped marketing messages: remember it on the contact.</param>
/// <param name="PauseCampaign">The account cannot send at all: pause the run instead of failing recipients.</param>
/// <param name="GiveBackAttempt">The attempt was not the recipient's fault and does not count towards the limit.</param>
public sealed record SendDecision(
    RecipientStatus Status, DateTimeOffset? NextAttemptAt = null, bool OptOutContact = false, bool PauseCampaign = false,
    bool GiveBackAttempt = false);

/// <summary>
/// Turns a classified Cloud API error into what happens to the recipient. The class comes from
/// <see cref="CloudApiErrors.Classify"/> (the one place that knows Meta's codes); only the behaviours tied to a
/// specific code live here: 131056 waits for the pair-rate window, and 131049 may be tried again hours later.
/// </summary>
public static class SendDecisions
{
    /// <summary>Meta's pair-rate limit: about one message per 6 s to the same user.</summary>
    public const int PairRateLimitCode = 131056;
    /// <summary>The user stopped marketing messages from this business: never retried.</summary>
    public const int OptOutCode = 131050;
    /// <summary>Meta's throughput limit for the phone number.</summary>
    public const int ThroughputLimitCode = 130429;

    /// <param name="attempts">Attempts made so far, this one included.</param>
    public static SendDecision For(CloudApiError error, int attempts, DispatchOptions options, DateTimeOffset now, Random random)
    {
        // An answer we never got may mean the message went out: sending again could deliver it twice.
        if (error.MayHaveBeenSent)
            return new SendDecision(RecipientStatus.Unknown);

        switch (error.Class)
        {
            case ErrorClass.Transient:
                if (attempts >= options.MaxAttempts)
                    return new SendDecision(RecipientStatus.Failed);
                var wait = Backoff(attempts, options, random);
                if (error.Code == PairRateLimitCode)
                {
                    // At least the pair-rate window, and a little more so that retries do not arrive in step.
                    var pairRate = TimeSpan.FromSeconds(options.PairRateDelaySeconds * (1 + 0.2 * random.NextDouble()));
                    wait = wait > pairRate ? wait : pairRate;
                }
                return new SendDecision(RecipientStatus.Pending, now + wait);

            case ErrorClass.RetryLater:
                return options.RetryLaterHours > 0 && attempts < options.MaxAttempts
                    ? new SendDecision(RecipientStatus.Pending, now + TimeSpan.FromHours(options.RetryLaterHours * (1 + 0.05 * random.NextDouble())))
                    : new SendDecision(RecipientStatus.Failed);

            case ErrorClass.OptOut:
                return new SendDecision(RecipientStatus.Failed, OptOutContact: true);

            case ErrorClass.AccountLevel:
                return new SendDecision(RecipientStatus.Pending, PauseCampaign: true, GiveBackAttempt: true);

            default:
                return new SendDecision(RecipientStatus.Failed);
        }
    }

    /// <summary>Exponential back-off: base × 2^(attempt−1), at most the maximum, then ±25 % jitter.</summary>
    public static TimeSpan Backoff(int attempts, DispatchOptions options, Random random)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var seconds = Math.Min(options.MaxBackoffSeconds, options.BackoffBaseSeconds * Math.Pow(2, exponent));
        return TimeSpan.FromSeconds(seconds * (0.75 + 0.5 * random.NextDouble()));
    }
}
