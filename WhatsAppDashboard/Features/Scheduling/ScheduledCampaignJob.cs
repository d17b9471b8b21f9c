using System.Globalization;
using Quartz;

namespace WhatsAppDashboard.Features.Scheduling;

/// <summary>
/// What a campaign's trigger runs: reads the campaign id and the intended time from the job data and hands them to
/// the scoped <see cref="IScheduledCampaignRunner"/>. Nothing else happens here.
/// </summary>
/// <remarks>
/// One execution per campaign at a time across the cluster. A runner that throws (the database briefly away, say)
/// is re-fired with back-off: about 10 s, 20 s, 40 s, 80 s, 160 s later; the runner's guarded update makes that safe.
/// Stored jobs name this type (namespace, class and assembly) in qrtz_job_details: renaming or moving it orphans them.
/// </remarks>
[DisallowConcurrentExecution]
[RetryPolicy(5, "00:00:10", 2, MaxDelay = "00:05:00", Jitter = 0.2)]
public sealed class ScheduledCampaignJob(IServiceScopeFactory scopes, ILogger<ScheduledCampaignJob> logger) : IJob
{
    public const string CampaignIdKey = "campaignId";
    public const string ScheduledForKey = "scheduledForUtc";
    public const string OccurrenceDateKey = "occurrenceDate";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var data = context.MergedJobDataMap;
        if (!int.TryParse(Text(data, CampaignIdKey), NumberStyles.None, CultureInfo.InvariantCulture, out var campaignId))
        {
            // Nothing to retry: the stored job itself is wrong.
            logger.LogError("Scheduled job {JobKey} has no valid campaign id; it is skipped.", context.JobDetail.Key);
            return;
        }
        var scheduledForUtc = DateTimeOffset.TryParse(Text(data, ScheduledForKey), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at
            : context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        DateOnly? occurrenceDate = DateOnly.TryParseExact(Text(data, OccurrenceDateKey), "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : null;

        logger.LogInformation(
            "Campaign {CampaignId} is due (scheduled for {ScheduledForUtc:O}, fired at {FireTimeUtc:O}{Recovering}).",
            campaignId, scheduledForUtc, context.FireTimeUtc, context.Recovering ? ", recovering a cut-short fire" : "");
        await using var scope = scopes.CreateAsyncScope();
        var runner = scope.ServiceProvider.GetRequiredService<IScheduledCampaignRunner>();
        await runner.RunAsync(campaignId, scheduledForUtc, occurrenceDate, cancellationToken);
    }

    private static string? Text(JobDataMap data, string key) => data.TryGetValue(key, out var value) ? value as string : null;
}
