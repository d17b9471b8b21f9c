namespace WhatsAppDashboard.Features.Campaigns;

public static class CampaignsSetup
{
    public static WebApplicationBuilder AddCampaigns(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<CampaignDrafts>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder app) => app;
}
