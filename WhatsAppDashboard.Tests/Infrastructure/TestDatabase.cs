using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// Real PostgreSQL databases for tests: one template database is migrated once per test run, and each
/// test class gets its own copy of it (CREATE DATABASE … TEMPLATE takes milliseconds).
/// </summary>
public static class TestDatabase
{
    /// <summary>Database names start with this; WAD_TEST_DB_PREFIX separates test runs sharing one server.</summary>
    private static readonly string Prefix = Environment.GetEnvironmentVariable("WAD_TEST_DB_PREFIX") is { Length: > 0 } p
        ? p.ToLowerInvariant()
        : "wad_test_";
    private static readonly string TemplateName = Prefix + "template";
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
    public static Task<string> CreateEmptyAsync() => CreateDatabaseAsync("TEMPLATE template0");

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var connection = new NpgsqlConnection(connectionString))
            NpgsqlConnection.ClearPool(connection);
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    private static async Task<string> CreateDatabaseAsync(string options)
    {
        var name = Prefix + Guid.NewGuid().ToString("N")[..16];
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
        // Leftovers of an interrupted run (same prefix) would otherwise pile up.
        await using (var connection = new NpgsqlConnection(ConnectionStringFor("postgres")))
        {
            await connection.OpenAsync();
            await using var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, @prefix)", connection);
            list.Parameters.AddWithValue("prefix", Prefix);
            var leftovers = new List<string>();
            await using (var reader = await list.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    leftovers.Add(reader.GetString(0));
            foreach (var name in leftovers)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
            await using var create = new NpgsqlCommand($"CREATE DATABASE {TemplateName} TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync();
        }

        var templateConnection = ConnectionStringFor(TemplateName);
        var options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(templateConnection).Options;
        await using (var db = new AppDbContext(options))
            await db.Database.MigrateAsync();
        // Copying needs the template to have no open connections.
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
