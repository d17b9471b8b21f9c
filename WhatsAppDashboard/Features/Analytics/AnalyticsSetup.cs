using WhatsAppDashboard.Features.Dashboard;

namespace WhatsAppDashboard.Features.Analytics;

public static class AnalyticsSetup
{
    /// <summary>The figures behind the analytics page, the home dashboard and their API.</summary>
    public static WebApplicationBuilder AddAnalytics(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AnalyticsQueries>();
        builder.Services.AddScoped<HomeDashboard>();
        return builder;
    }
}
