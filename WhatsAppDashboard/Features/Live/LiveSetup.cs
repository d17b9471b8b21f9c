namespace WhatsAppDashboard.Features.Live;

/// <summary>Live progress: the change listener, the throttled notifier and the SignalR hub.</summary>
public static class LiveSetup
{
    public static WebApplicationBuilder AddLive(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section)
            .Validate(o => o.MaxPushesPerSecond is > 0 and <= 50, "Live:MaxPushesPerSecond must be between 0 and 50.")
            .Validate(o => o.RateWindowSeconds is >= 2 and <= 600, "Live:RateWindowSeconds must be between 2 and 600.")
            .Validate(o => o.ReconnectDelaySeconds > 0 && o.MaxReconnectDelaySeconds >= o.ReconnectDelaySeconds,
                "Live:ReconnectDelaySeconds must be positive and at most Live:MaxReconnectDelaySeconds.")
            .ValidateOnStart();
        // camelCase JSON; the snapshot spells its status itself (CamelCaseStatusConverter).
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<CampaignRates>();
        builder.Services.AddScoped<CampaignSnapshots>();
        builder.Services.AddSingleton<CampaignProgressNotifier>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CampaignProgressNotifier>());
        builder.Services.AddSingleton<CampaignChangeListener>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CampaignChangeListener>());
        return builder;
    }

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app)
    {
        // Signed-in users only (also the fallback policy); /hubs answers 401 instead of redirecting to the sign-in page.
        app.MapHub<CampaignHub>(CampaignHub.Path).RequireAuthorization();
        return app;
    }
}
