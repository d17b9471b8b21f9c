using Microsoft.Extensions.Options;
using Npgsql;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Live;

/// <summary>
/// Listens on PostgreSQL's <c>campaign_changes</c> channel, which a trigger on the campaigns table signals on every
/// committed change of status or counters, whichever instance made it. One dedicated connection per instance; when it
/// drops, the listener logs, waits (doubling up to a limit) and reconnects, and then treats every watched campaign as
/// changed, because notifications sent while it was away are lost.
/// </summary>
public sealed class CampaignChangeListener(
    IConfiguration configuration,
    CampaignProgressNotifier notifier,
    IOptions<LiveOptions> options,
    TimeProvider clock,
    ILogger<CampaignChangeListener> logger) : BackgroundService
{
    public const string Channel = "campaign_changes";
    /// <summary>The listener's connection shows under this name in pg_stat_activity.</summary>
    public const string ApplicationName = "WhatsAppDashboard.Live";

    private volatile bool _listening;

    /// <summary>True while the LISTEN connection is up.</summary>
    public bool IsListening => _listening;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(DataSetup.RequireConnectionString(configuration))
        {
            ApplicationName = ApplicationName,
            // Its own session, never pooled: LISTEN belongs to the session, and a pool would reset it.
            Pooling = false,
            // An idle LISTEN connection would never notice a dead server without these.
            KeepAlive = 15,
            TcpKeepAlive = true,
        };
        var initialDelay = TimeSpan.FromSeconds(options.Value.ReconnectDelaySeconds);
        var maxDelay = TimeSpan.FromSeconds(options.Value.MaxReconnectDelaySeconds);
        var delay = initialDelay;
        DateTimeOffset? lostAt = null;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (int.TryParse(e.Payload, out var campaignId))
                        notifier.MarkChanged(campaignId);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                _listening = true;
                if (lostAt is { } since)
                {
                    logger.LogInformation("Listening for campaign changes again; refreshing every watched campaign.");
                    notifier.MarkAllChanged(since);
                    lostAt = null;
                }
                delay = initialDelay;
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _listening = false;
                lostAt ??= clock.GetUtcNow();
                logger.LogWarning(ex, "The campaign change listener lost PostgreSQL; reconnecting in {Delay}.", delay);
                try
                {
                    await Task.Delay(delay, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(maxDelay.Ticks, delay.Ticks * 2));
            }
            finally
            {
                _listening = false;
            }
        }
    }
}
