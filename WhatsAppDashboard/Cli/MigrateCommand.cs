using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Cli;

/// <summary>Applies pending EF Core migrations: the deploy step in production.</summary>
public sealed class MigrateCommand : ICliCommand
{
    public string Name => "migrate";
    public string Usage => "migrate";
    public string Description => "Apply pending database migrations.";

    public async Task<int> RunAsync(IServiceProvider services, CommandArguments arguments, CancellationToken ct)
    {
        arguments.EnsureAllUsed(Usage);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count == 0)
        {
            Console.WriteLine("The database is up to date.");
            return 0;
        }
        await db.Database.MigrateAsync(ct);
        Console.WriteLine($"Applied {pending.Count} migration(s): {string.Join(", ", pending)}");
        return 0;
    }
}
