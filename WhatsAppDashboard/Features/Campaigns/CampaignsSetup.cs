using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Insights;
using WhatsAppDashboard.Features.Campaigns.Wizard;

namespace WhatsAppDashboard.Features.Campaigns;

public static class CampaignsSetup
{
    public static WebApplicationBuilder AddCampaigns(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<CampaignDrafts>();
        builder.Services.AddScoped<CampaignLifecycle>();
        builder.Services.AddScoped<CampaignQueries>();
        builder.Services.AddScoped<CampaignBasics>();
        builder.Services.AddScoped<CampaignScheduling>();
        builder.Services.AddScoped<CampaignOverviews>();
        builder.Services.AddScoped<MessagingLimitBudget>();
        builder.AddCampaignAudiences();
        builder.Services.AddScoped<CampaignInsights>();
        builder.Services.AddScoped<RecipientCsvExport>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder app)
    {
        app.MapCsvAudienceEndpoints();
        app.MapCampaignInsightsEndpoints();
        return app;
    }

    /// <summary>Audience resolution, CSV audiences, named audience providers, and the audience and parameters steps.</summary>
    private static WebApplicationBuilder AddCampaignAudiences(this WebApplicationBuilder builder)
    {
        builder.AddCsvFiles();
        builder.Services.AddScoped<AudienceResolver>();
        builder.Services.AddScoped<IAudienceSizeEstimator>(services => services.GetRequiredService<AudienceResolver>());
        builder.Services.AddScoped<AudienceFieldQueries>();
        builder.Services.AddScoped<CsvAudienceImport>();
        builder.Services.AddScoped<ListAudienceImport>();
        builder.Services.AddScoped<AudienceStep>();
        builder.Services.AddScoped<ParametersStep>();
        builder.Services.AddAudienceProvider<RecentContactsProvider>(RecentContactsProvider.Key, RecentContactsProvider.DisplayName);
        return builder;
    }
}
