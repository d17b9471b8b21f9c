namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// The campaign counters and the recipient rows they summarise. Every statement that moves a recipient into or out
/// of a counted status changes the counter in the same transaction, so at every commit:
/// <list type="bullet">
/// <item><c>total_count</c> = all recipient rows of the campaign (written once, at start);</item>
/// <item><c>sent_count</c> = rows in <c>Sent</c>, <c>Delivered</c> or <c>Read</c> (a message that reached Meta stays
/// counted as sent while webhooks move it forward);</item>
/// <item><c>failed_count</c> = rows in <c>Failed</c>;</item>
/// <item><c>skipped_count</c> = rows in <c>Skipped</c>.</item>
/// </list>
/// <c>Pending</c>, <c>Sending</c> and <c>Unknown</c> are not counted: total − sent − failed − skipped is what is still
/// open. The moves and their counter changes: Sending→Sent (+sent), Sending→Failed (+failed), Pending→Skipped on
/// cancel (+skipped), Failed→Pending on "retry failed" (−failed), Unknown→Sent/Failed when a late answer arrives
/// (+sent/+failed); Sending→Pending, Sending→Unknown and Unknown→Pending change nothing.
/// </summary>
public static class CampaignCounters
{
    /// <summary>Recipient statuses that count as sent.</summary>
    public static readonly string[] SentStatuses = ["Sent", "Delivered", "Read"];

    /// <summary>Adds the per-campaign changes of the rows an UPDATE … RETURNING campaign_id, status produced in the
    /// CTE named <c>changed</c> to the campaigns' counters (one statement: rows and counters commit together).</summary>
    public const string AddChangedToCounters =
        """
        UPDATE campaigns c
        SET sent_count = c.sent_count + d.sent, failed_count = c.failed_count + d.failed, skipped_count = c.skipped_count + d.skipped
        FROM (
            SELECT campaign_id,
                   count(*) FILTER (WHERE status IN ('Sent', 'Delivered', 'Read')) AS sent,
                   count(*) FILTER (WHERE status = 'Failed') AS failed,
                   count(*) FILTER (WHERE status = 'Skipped') AS skipped
            FROM changed GROUP BY campaign_id) d
        WHERE c.id = d.campaign_id
        """;
}
