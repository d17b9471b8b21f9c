namespace WhatsAppDashboard.Features.Users;

public static class UsersSetup
{
    public static WebApplicationBuilder AddUsers(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<UserAdministration>();
        builder.Services.AddOptions<FirstAdminOptions>().BindConfiguration(FirstAdminOptions.Section);
        // Registered after DatabaseStartup, so migrations (when automatic) are applied first.
        builder.Services.AddHostedService<FirstAdminBootstrapper>();
        return builder;
    }
}
