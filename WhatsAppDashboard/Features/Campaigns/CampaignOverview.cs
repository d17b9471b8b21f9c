using System.Globalization;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>
/// Everything the review step and the campaign page show about a campaign: its schedule in words with the next
/// occurrences, the audience size (when the audience feature can count it), how long sending would take at the
/// account's throughput, and whether the portfolio's 24-hour messaging limit has room for it.
/// </summary>
public sealed record CampaignOverview(
    Campaign Campaign,
    TemplateDefinition? Template,
    CampaignSchedule? Schedule,
    IReadOnlyList<ScheduledOccurrence> NextOccurrences,
    int? AudienceSize,
    TimeSpan? EstimatedDuration,
    MessagingLimitStatus? MessagingLimit,
    string? MessagingLimitWarning,
    IReadOnlyList<string> Problems,
    string? AudienceProviderName,
    int AudienceRows,
    int AudienceRejects)
{
    public const int OccurrencesShown = 5;

    /// <summary>How long sending <paramref name="recipients"/> takes at <paramref name="perSecond"/> messages a second.</summary>
    public static TimeSpan EstimateDuration(int recipients, int perSecond) =>
        TimeSpan.FromSeconds(Math.Ceiling(recipients / (double)Math.Max(1, perSecond)));

    /// <summary>A duration in round words: "under a second", "45 s", "3 min 20 s", "2 h 5 min", "1 day 3 h".</summary>
    public static string Describe(TimeSpan duration)
    {
        if (duration < TimeSpan.FromSeconds(1))
            return "under a second";
        if (duration < TimeSpan.FromMinutes(1))
            return $"{(int)duration.TotalSeconds} s";
        if (duration < TimeSpan.FromHours(1))
            return duration.Seconds == 0 ? $"{duration.Minutes} min" : $"{duration.Minutes} min {duration.Seconds} s";
        if (duration < TimeSpan.FromDays(1))
            return duration.Minutes == 0 ? $"{duration.Hours} h" : $"{duration.Hours} h {duration.Minutes} min";
        var days = (int)duration.TotalDays;
        return $"{days} day{(days == 1 ? "" : "s")}" + (duration.Hours == 0 ? "" : $" {duration.Hours} h");
    }

    public static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>Builds <see cref="CampaignOverview"/>s.</summary>
public sealed class CampaignOverviews(
    CampaignQueries queries,
    MessagingLimitBudget budget,
    IEnumerable<AudienceProviderRegistration> providers,
    IServiceProvider services,
    TimeProvider clock)
{
    /// <param name="campaign">With its account and template loaded.</param>
    public async Task<CampaignOverview> BuildAsync(Campaign campaign, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var schedule = CampaignSchedule.Of(campaign);
        var occurrences = schedule?.Occurrences(now).Take(CampaignOverview.OccurrencesShown).ToList() ?? [];

        // The audience feature registers the estimator; until it does, the size is simply not known here.
        var estimator = services.GetService<IAudienceSizeEstimator>();
        var size = estimator is null ? null : await estimator.EstimateAsync(campaign, ct);
        TimeSpan? duration = size is { } n && campaign.Account is { } account
            ? CampaignOverview.EstimateDuration(n, account.ThroughputPerSecond)
            : null;

        MessagingLimitStatus? limit = null;
        string? warning = null;
        if (campaign.Account?.BusinessPortfolioId is { } portfolioId)
        {
            limit = await budget.RemainingAsync(portfolioId, ct);
            if (limit?.Remaining is { } remaining && size is { } audience && audience > remaining)
                warning = $"The audience ({CampaignOverview.N(audience)} people) is larger than what the “{limit.PortfolioName}” portfolio's " +
                          $"24-hour messaging limit has left ({CampaignOverview.N(remaining)} of {CampaignOverview.N(limit.Limit!.Value)} unique users). " +
                          $"About {CampaignOverview.N(audience - remaining)} would have to wait: the run pauses when the limit is reached.";
        }

        var (rows, rejects) = campaign.AudienceKind is AudienceKind.Csv or AudienceKind.List
            ? await queries.AudienceRowCountsAsync(campaign.Id, ct)
            : (0, 0);
        var providerKey = campaign.AudienceKind == AudienceKind.Named ? AudienceSettings.Read(campaign).ProviderKey : null;
        var providerName = providerKey is null ? null : providers.FirstOrDefault(p => p.Key == providerKey)?.DisplayName;

        return new CampaignOverview(
            campaign,
            campaign.Template is { } template ? TemplateDefinition.Parse(template) : null,
            schedule,
            occurrences,
            size,
            duration,
            limit,
            warning,
            CampaignReadiness.Problems(campaign),
            providerName,
            rows,
            rejects);
    }
}
