using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Data;

/// <summary>Applies pending migrations when the web app starts, if configured to (Development by default).</summary>
public sealed class DatabaseStartup(
    IServiceScopeFactory scopes,
    IOptions<DatabaseStartupOptions> options,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
            return;

        if (options.Value.MigrateOnStartup == true)
        {
            logger.LogInformation("Applying {Count} pending migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }
        else
        {
            logger.LogWarning(
                "The database has {Count} pending migration(s). Run the `migrate` command before serving traffic.", pending.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
