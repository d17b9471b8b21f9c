using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Analytics;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns;

namespace WhatsAppDashboard.Tests.Features.Analytics;

/// <summary>A seeded campaign as the tests know it: where it belongs and when it started.</summary>
public sealed record SeededCampaign(int Id, string Name, int AccountId, CampaignStatus Status, DateTimeOffset? StartedAt);

/// <summary>
/// The campaign app (clock three days ahead) with varied campaigns over two accounts and many days, seeded once:
/// every recipient status, timestamps spread over the days after each start, Meta error codes, replies and clicks.
/// The viewer's zone is Tokyo (UTC+9), so local days and UTC days differ.
/// </summary>
public sealed class AnalyticsAppFactory : CampaignsAppFactory
{
    public const string Zone = "Asia/Tokyo";
    public static readonly TimeZoneInfo TokyoZone = TimeZoneInfo.FindSystemTimeZoneById(Zone);

    private Task? _seeded;

    public int AccountA { get; private set; }
    public int AccountB { get; private set; }
    public List<SeededCampaign> Campaigns { get; } = [];
    public int ScheduledCampaignId { get; private set; }
    public int FailedCampaignId { get; private set; }

    public DateOnly Today => AnalyticsQuery.Today(Clock.GetUtcNow(), TokyoZone);

    public Task SeedOnceAsync() => _seeded ??= SeedAsync();

    private async Task SeedAsync()
    {
        AccountA = await AddAccountAsync("Lagos line");
        AccountB = await AddAccountAsync("Nairobi line");
        var templateA = await AddTemplateAsync(AccountA, "spring_sale");
        var templateB = await AddTemplateAsync(AccountB, "spring_sale");
        var random = new Random(20261207);
        var today = Today;
        var now = Clock.GetUtcNow();

        // (account, local day offset from today, local time, status, recipients)
        var plan = new (int Account, int Template, int DayOffset, TimeOnly Time, CampaignStatus Status, int Rows)[]
        {
            (AccountA, templateA, -2, new TimeOnly(10, 0), CampaignStatus.Completed, 40),
            (AccountB, templateB, -5, new TimeOnly(23, 30), CampaignStatus.Completed, 30),
            (AccountA, templateA, -12, new TimeOnly(8, 15), CampaignStatus.Completed, 25),
            (AccountB, templateB, -45, new TimeOnly(12, 0), CampaignStatus.Completed, 20),
            (AccountA, templateA, 0, new TimeOnly(0, 10), CampaignStatus.Running, 15),
            (AccountB, templateB, -6, new TimeOnly(0, 0), CampaignStatus.Paused, 12),   // the first minute of a 7-day range
            (AccountA, templateA, -7, new TimeOnly(23, 59), CampaignStatus.Cancelled, 10), // the last minute before it
        };
        foreach (var (account, template, offset, time, status, rows) in plan)
        {
            var local = today.AddDays(offset).ToDateTime(time);
            var startedAt = new DateTimeOffset(local, TokyoZone.GetUtcOffset(local)).ToUniversalTime();
            var name = $"{status} {offset} {account}";
            var id = await AddCampaignAsync(name, account, template, status, configure: c => c.StartedAt = startedAt);
            Campaigns.Add(new SeededCampaign(id, name, account, status, startedAt));
            await AddRecipientsAsync(id, startedAt, rows, random, now);
        }
        // The counters equal the rows, as the dispatcher and the webhooks keep them.
        await WithDbAsync(db => db.Database.ExecuteSqlRawAsync(
            """
            UPDATE campaigns c SET total_count = r.total, sent_count = r.sent, delivered_count = r.delivered, read_count = r.read,
                failed_count = r.failed, skipped_count = r.skipped, replied_count = r.replied, button_click_count = r.clicked
            FROM (SELECT campaign_id, count(*) AS total,
                         count(*) FILTER (WHERE status IN ('Sent', 'Delivered', 'Read')) AS sent,
                         count(*) FILTER (WHERE status IN ('Delivered', 'Read')) AS delivered,
                         count(*) FILTER (WHERE status = 'Read') AS read,
                         count(*) FILTER (WHERE status = 'Failed') AS failed,
                         count(*) FILTER (WHERE status = 'Skipped') AS skipped,
                         count(*) FILTER (WHERE replied_at IS NOT NULL) AS replied,
                         count(*) FILTER (WHERE button_clicked IS NOT NULL) AS clicked
                  FROM campaign_recipients GROUP BY campaign_id) r
            WHERE c.id = r.campaign_id
            """));
        // Never started: in no figure.
        var draft = await AddCampaignAsync("Draft only", AccountA, templateA);
        Campaigns.Add(new SeededCampaign(draft, "Draft only", AccountA, CampaignStatus.Draft, null));

        ScheduledCampaignId = await AddCampaignAsync("Friday promo", AccountB, templateB, CampaignStatus.Scheduled, configure: c =>
        {
            c.ScheduleKind = ScheduleKind.Once;
            c.TimeZoneId = Zone;
            c.ScheduledAt = now.AddHours(5);
            c.ScheduledLocalTime = TimeZoneInfo.ConvertTime(now.AddHours(5), TokyoZone).DateTime;
        });
        FailedCampaignId = await AddCampaignAsync("Broken token run", AccountA, templateA, CampaignStatus.Failed, configure: c =>
        {
            c.LastError = "The account's access token has expired.";
            c.UpdatedAt = now.AddMinutes(-30);
        });
    }

    private Task AddRecipientsAsync(int campaignId, DateTimeOffset startedAt, int count, Random random, DateTimeOffset now) =>
        WithDbAsync(async db =>
        {
            var statuses = Enum.GetValues<RecipientStatus>();
            (int? Code, string Message)[] errors =
            [
                (131026, "(131026) Message undeliverable"), (131049, "(131049) Not delivered to maintain healthy ecosystem engagement"),
                (131047, "(131047) Re-engagement message"), (null, "Meta reported the message as failed without a reason."),
            ];
            for (var i = 0; i < count; i++)
            {
                // The first rows cover every status; the rest are random. Events fall within 3 days of the start,
                // but never after the app's "now".
                var status = i < statuses.Length ? statuses[i] : statuses[random.Next(statuses.Length)];
                DateTimeOffset At(DateTimeOffset after) => Min(after.AddMinutes(random.Next(1, 36 * 60)), now);
                var row = new CampaignRecipient
                {
                    CampaignId = campaignId,
                    Phone = $"+2348{campaignId:D3}{i:D6}",
                    Name = $"Person {i}",
                    Status = status,
                };
                if (status is RecipientStatus.Sent or RecipientStatus.Delivered or RecipientStatus.Read)
                {
                    row.MessageId = $"wamid.seed-{campaignId}-{i}";
                    row.SentAt = At(startedAt);
                    if (status != RecipientStatus.Sent)
                        row.DeliveredAt = At(row.SentAt.Value);
                    if (status == RecipientStatus.Read)
                        row.ReadAt = At(row.DeliveredAt!.Value);
                    if (status != RecipientStatus.Sent && random.Next(3) == 0)
                    {
                        row.RepliedAt = At(row.DeliveredAt!.Value);
                        if (random.Next(2) == 0)
                            (row.ButtonClicked, row.ButtonPayload) = ("Yes please", "yes");
                    }
                }
                else if (status == RecipientStatus.Failed)
                {
                    (row.ErrorCode, row.ErrorMessage) = errors[random.Next(errors.Length)];
                    row.FailedAt = At(startedAt);
                }
                else if (status == RecipientStatus.Skipped)
                {
                    row.ErrorMessage = "opted out";
                }
                db.CampaignRecipients.Add(row);
            }
            await db.SaveChangesAsync();
        });

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Every seeded recipient row with its campaign's account and start, read back plainly.</summary>
    public Task<List<(CampaignRecipient Row, SeededCampaign Campaign)>> RowsAsync() =>
        WithDbAsync(async db =>
        {
            var rows = await db.CampaignRecipients.AsNoTracking().ToListAsync();
            return rows.Select(r => (r, Campaigns.Single(c => c.Id == r.CampaignId))).ToList();
        });
}
