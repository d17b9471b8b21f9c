using Npgsql;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// Plain Npgsql connections for sending: the bulk COPY of recipients, the SKIP LOCKED claims, the batched result
/// writes and the session-level advisory locks. Separate from <see cref="AppDbContext"/>'s connection, so an
/// audience that reads through the request's DbContext can stream while the COPY is open.
/// </summary>
public sealed class DispatchDatabase : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _unpooled;

    public DispatchDatabase(IConfiguration configuration)
    {
        var builder = new NpgsqlConnectionStringBuilder(DataSetup.RequireConnectionString(configuration));
        // Names the connections in pg_stat_activity, so an operator can tell the dispatcher's apart.
        builder.ApplicationName ??= "WhatsAppDashboard.Dispatch";
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        builder.Pooling = false;
        _unpooled = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct) => _dataSource.OpenConnectionAsync(ct);

    /// <summary>A connection of its own, never returned to a pool: closing it ends the session and with it every
    /// session-level advisory lock it holds, whatever state it was left in.</summary>
    public ValueTask<NpgsqlConnection> OpenDedicatedAsync(CancellationToken ct) => _unpooled.OpenConnectionAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _unpooled.DisposeAsync();
    }

    public void Dispose()
    {
        _dataSource.Dispose();
        _unpooled.Dispose();
    }
}

/// <summary>Small helpers for hand-written SQL.</summary>
internal static class Sql
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null) =>
        new(sql, connection, transaction);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, NpgsqlTypes.NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    /// <summary>Cuts text to a column's length.</summary>
    public static string? Fit(string? text, int max) => text is null || text.Length <= max ? text : text[..(max - 1)] + "…";
}
