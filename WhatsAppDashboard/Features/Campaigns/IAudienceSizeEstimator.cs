namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>
/// How many people a campaign's audience would reach now (after de-duplication and exclusions), for the review
/// step's duration estimate and messaging-limit warning. Implemented by the audience feature; when no implementation
/// is registered, or it answers null (the audience step is not complete), the review says the size is not known yet.
/// </summary>
public interface IAudienceSizeEstimator
{
    Task<int?> EstimateAsync(Campaign campaign, CancellationToken ct);
}
