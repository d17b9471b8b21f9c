using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WhatsAppDashboard.Data;

public static class DataSetup
{
    public const string ConnectionStringName = "Default";

    public static WebApplicationBuilder AddData(this WebApplicationBuilder builder)
    {
        builder.Services.AddDbContext<AppDbContext>((services, options) =>
            options.UseNpgsql(RequireConnectionString(services.GetRequiredService<IConfiguration>())));
        builder.AddDataProtectionKeys();

        builder.Services.AddOptions<DatabaseStartupOptions>()
            .BindConfiguration(DatabaseStartupOptions.Section)
            .Configure<IHostEnvironment>((o, env) => o.MigrateOnStartup ??= env.IsDevelopment());
        // First of all hosted services: the Data Protection key ring (stored in the database) and the seeders
        // must find the schema in place, even on a brand-new database.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseStartup>());

        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsJsonAsync(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString(),
                        description = e.Value.Description,
                    }),
                });
            },
        }).AllowAnonymous();
        return app;
    }

    public static string RequireConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "No database connection string: set ConnectionStrings:Default in appsettings, or the environment variable " +
                "ConnectionStrings__Default (for example \"Host=localhost;Database=whatsapp_dashboard;Username=wad;Password=...\").");
}

public sealed class DatabaseStartupOptions
{
    public const string Section = "Database";

    /// <summary>Apply pending migrations when the web app starts. Defaults to on in Development only;
    /// production deployments run the `migrate` command as a deploy step.</summary>
    public bool? MigrateOnStartup { get; set; }
}

/// <summary>Reports the database unhealthy when it cannot answer a trivial query within a few seconds.</summary>
public sealed class DatabaseHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            return await db.Database.CanConnectAsync(timeout.Token)
                ? HealthCheckResult.Healthy("PostgreSQL answers.")
                : HealthCheckResult.Unhealthy("PostgreSQL cannot be reached or the database does not exist.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || timeout.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL did not answer: " + ex.GetType().Name);
        }
    }
}
