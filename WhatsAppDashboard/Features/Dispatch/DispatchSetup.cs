using Microsoft.Extensions.Options;
using WhatsAppDashboard.Features.Scheduling;

namespace WhatsAppDashboard.Features.Dispatch;

public static class DispatchSetup
{
    public static WebApplicationBuilder AddDispatch(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>();
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<DispatchOptions>>().Value);

        builder.Services.AddSingleton<DispatchDatabase>();
        builder.Services.AddSingleton<DispatchSignal>();
        builder.Services.AddSingleton<DispatchMonitor>();
        builder.Services.AddSingleton<PortfolioMessagingLimit>();
        builder.Services.AddScoped<CampaignStarter>();
        builder.Services.AddScoped<CampaignControl>();
        builder.Services.AddScoped<CampaignLauncher>();
        // Registered before AddScheduling's default (TryAdd), so schedules launch real runs.
        builder.Services.AddScoped<IScheduledCampaignRunner, LaunchingScheduledCampaignRunner>();
        builder.Services.AddHostedService<CampaignDispatcher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDispatch(this IEndpointRouteBuilder app) => app.MapDispatchEndpoints();
}
