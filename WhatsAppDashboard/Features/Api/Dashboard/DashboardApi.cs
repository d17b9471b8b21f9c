using WhatsAppDashboard.Common;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dashboard;

namespace WhatsAppDashboard.Features.Api.Dashboard;

/// <summary>The home dashboard's figures for integrators; days are counted in <see cref="TimeZone"/>.</summary>
public sealed record DashboardResponse(
    string TimeZone, DashboardTodayResponse Today, DashboardRatesResponse LastSevenDays, IReadOnlyList<DashboardRunningCampaign> Running,
    IReadOnlyList<UpcomingRun> Upcoming, IReadOnlyList<RecentFailure> RecentFailures);

public sealed record DashboardTodayResponse(DateOnly Date, int Sent, int Delivered, int Read, int Failed);

/// <summary>Campaigns started in the last 7 days (today included); rates are shares of the sent messages, null when none was sent.</summary>
public sealed record DashboardRatesResponse(DateOnly From, DateOnly To, int Recipients, int Sent, int Delivered, int Read, int Failed,
    double? DeliveryRate, double? ReadRate);

public sealed record DashboardRunningCampaign(int Id, string Name, string? Account, CampaignStatus Status, DateTimeOffset? StartedAt,
    int Total, int Sent, int Delivered, int Read, int Failed, int Skipped);

public static class DashboardApi
{
    public static void MapDashboardApi(this RouteGroupBuilder api)
    {
        api.MapGet("/dashboard", GetAsync)
            .RequireAuthorization(Permissions.CampaignsView)
            .WithName("GetDashboard")
            .WithSummary("The home dashboard's figures: running campaigns, today's volume, 7-day rates, upcoming runs, recent failures.");
    }

    /// <param name="timeZone">IANA zone that decides where "today" and the 7 days begin; UTC when left out.</param>
    private static async Task<IResult> GetAsync(string? timeZone, HomeDashboard dashboard, CancellationToken ct)
    {
        var zone = TimeZoneInfo.Utc;
        if (!string.IsNullOrWhiteSpace(timeZone) && !TimeZones.TryFind(timeZone, out zone))
            return ApiProblems.Validation("timeZone", $"“{timeZone}” is not an IANA time zone such as Europe/Paris.");
        var figures = await dashboard.GetAsync(zone, ct);
        var week = figures.LastSevenDays;
        return TypedResults.Ok(new DashboardResponse(
            zone.Id,
            new DashboardTodayResponse(figures.Today.Day, figures.Today.Sent, figures.Today.Delivered, figures.Today.Read, figures.Today.Failed),
            new DashboardRatesResponse(figures.LastSevenDaysFrom, figures.Today.Day, week.Recipients, week.Sent, week.Delivered, week.Read, week.Failed,
                week.DeliveryRate, week.ReadRate),
            figures.Running.Select(c => new DashboardRunningCampaign(c.Id, c.Name, c.AccountName, c.Status, c.StartedAt,
                c.Counters.Total, c.Counters.Sent, c.Counters.Delivered, c.Counters.Read, c.Counters.Failed, c.Counters.Skipped)).ToList(),
            figures.Upcoming,
            figures.RecentFailures));
    }
}
