using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Scheduling;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// Real PostgreSQL databases for tests: one template database is migrated once per test run, and each
/// test class gets its own copy of it (CREATE DATABASE … TEMPLATE takes milliseconds).
/// </summary>
public static class TestDatabase
{
    /// <summary>Every database of this suite starts with this; WAD_TEST_DB_PREFIX separates suites sharing a server.</summary>
    private static readonly string Prefix = Environment.GetEnvironmentVariable("WAD_TEST_DB_PREFIX") is { Length: > 0 } p
        ? p.ToLowerInvariant()
        : "wad_test_";
    /// <summary>Names of this run: two runs at once (two terminals, two worktrees) never touch each other's databases.</summary>
    private static readonly string RunPrefix = Prefix + Guid.NewGuid().ToString("N")[..8] + "_";
    private static readonly string TemplateName = RunPrefix + "template";
    private static readonly SemaphoreSlim CreateGate = new(1, 1);
    private static readonly Lazy<Task> Template = new(BuildTemplateAsync);

    /// <summary>The server to use: WAD_TEST_CONNECTION, else ConnectionStrings__Default (as set by test.sh), else a local default.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("WAD_TEST_CONNECTION")
        ?? Environment.GetEnvironmentVariable("ConnectionStrings__Default")
        ?? "Host=localhost;Port=5432;Username=wad;Password=wad";

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database }.ConnectionString;

    /// <summary>A fresh, migrated database; drop it with <see cref="DropAsync"/>.</summary>
    public static async Task<string> CreateAsync()
    {
        await Template.Value;
        return await CreateDatabaseAsync($"TEMPLATE {TemplateName}");
    }

    /// <summary>A fresh database with no tables at all.</summary>
    public static async Task<string> CreateEmptyAsync()
    {
        // After the run's clean-up of leftovers, like every other database of the run.
        await Template.Value;
        return await CreateDatabaseAsync("TEMPLATE template0");
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var connection = new NpgsqlConnection(connectionString))
            NpgsqlConnection.ClearPool(connection);
        // FORCE may meet a session it may not end (an autovacuum worker on a busy database: 42501) for a moment;
        // try again shortly, and else leave the database to the next run's clean-up of leftovers.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege || ex.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                if (attempt == 5)
                    return;
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }

    private static async Task<string> CreateDatabaseAsync(string options)
    {
        var name = RunPrefix + Guid.NewGuid().ToString("N")[..12];
        await CreateGate.WaitAsync();
        try
        {
            await ExecuteOnServerAsync($"CREATE DATABASE {name} {options}");
        }
        finally
        {
            CreateGate.Release();
        }
        return ConnectionStringFor(name);
    }

    private static async Task BuildTemplateAsync()
    {
        // Leftovers of interrupted runs would pile up: drop those nobody is connected to (a live run's
        // databases always have pooled connections open). Never FORCE here.
        await using (var connection = new NpgsqlConnection(ConnectionStringFor("postgres")))
        {
            await connection.OpenAsync();
            await using var list = new NpgsqlCommand(
                """
                SELECT d.datname FROM pg_database d
                WHERE starts_with(d.datname, @prefix)
                  AND NOT starts_with(d.datname, @runPrefix)
                  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
                """, connection);
            list.Parameters.AddWithValue("prefix", Prefix);
            list.Parameters.AddWithValue("runPrefix", RunPrefix);
            var leftovers = new List<string>();
            await using (var reader = await list.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    leftovers.Add(reader.GetString(0));
            foreach (var name in leftovers)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name}", connection);
                try
                {
                    await drop.ExecuteNonQueryAsync();
                }
                catch (PostgresException)
                {
                    // Someone connected meanwhile: it is in use after all.
                }
            }
            await using var create = new NpgsqlCommand($"CREATE DATABASE {TemplateName} TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync();
        }

        var templateConnection = ConnectionStringFor(TemplateName);
        var options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(templateConnection).Options;
        await using (var db = new AppDbContext(options))
            await db.Database.MigrateAsync();
        // The scheduler's tables too, so an app starting on a copy only checks them instead of creating them.
        await SchedulingSetup.ProvisionSchemaAsync(templateConnection);
        // Copying needs the template to have no open connections.
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {TemplateName} WITH (FORCE)").GetAwaiter().GetResult();
            }
            catch (NpgsqlException)
            {
                // Best effort: the next run removes it.
            }
        };
    }

    private static async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
