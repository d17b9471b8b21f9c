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
        return builder;
    }

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder app) => app;
}
