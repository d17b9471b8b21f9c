using Npgsql;
using NpgsqlTypes;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns.Insights;

/// <summary>One recipient row as a test wants it in the database.</summary>
public sealed record SeedRecipient(
    string Phone, string Name, RecipientStatus Status, string? MessageId = null, int? ErrorCode = null, string? ErrorMessage = null,
    DateTimeOffset? SentAt = null, DateTimeOffset? DeliveredAt = null, DateTimeOffset? ReadAt = null, DateTimeOffset? FailedAt = null,
    DateTimeOffset? RepliedAt = null, string? ButtonClicked = null, string? ButtonPayload = null);

/// <summary>Recipient rows written in bulk (binary COPY, as the dispatcher writes them), with a known distribution.</summary>
public static class InsightsTestData
{
    /// <summary>When the seeded campaign's first message went out.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    public const string FormulaName = "=HYPERLINK(\"http://evil.example\",\"Click\")";
    public const string UndeliverableMessage = "(131026) Message undeliverable: Unable to deliver the message.";
    public const string EcosystemTitle = "Not delivered to maintain healthy ecosystem engagement";

    /// <summary>
    /// <paramref name="count"/> recipients, one every 15 seconds from <see cref="Start"/>, by the last digit of their
    /// index: 0–2 read, 3–4 delivered, 5 sent, 6 failed (code 131026 refused at send with our "(code) title: details"
    /// message, 131049 reported by a webhook after sending, or 132015 with no message at all), 7 pending, 8 skipped,
    /// 9 unknown. Some who read pressed "Yes please" or "Stop promotions"; some who only received it "Tell me more".
    /// Three names are special: "Ana Souza", "ANA LIMA" and a spreadsheet formula.
    /// </summary>
    public static List<SeedRecipient> Distribution(int campaignId, int count = 200)
    {
        var rows = new List<SeedRecipient>(count);
        for (var i = 0; i < count; i++)
        {
            var phone = $"+4477009{i:D5}";
            var name = i switch
            {
                3 => "Ana Souza",
                13 => "ANA LIMA",
                23 => FormulaName,
                _ => $"Person {i:D3}",
            };
            var sent = Start + TimeSpan.FromSeconds(15 * i);
            var wamid = $"wamid.{campaignId}.{i}";
            rows.Add((i % 10) switch
            {
                0 or 1 or 2 => (i % 30) switch
                {
                    0 or 1 => Read(phone, name, wamid, sent, i) with { ButtonClicked = "Yes please", ButtonPayload = "YES", RepliedAt = sent + TimeSpan.FromMinutes(8) },
                    2 => Read(phone, name, wamid, sent, i) with { ButtonClicked = "Stop promotions", ButtonPayload = "STOP", RepliedAt = sent + TimeSpan.FromMinutes(9) },
                    _ => Read(phone, name, wamid, sent, i),
                },
                3 when i % 20 == 3 => new SeedRecipient(phone, name, RecipientStatus.Delivered, wamid, SentAt: sent, DeliveredAt: sent + TimeSpan.FromSeconds(40),
                    ButtonClicked: "Tell me more", ButtonPayload: "MORE", RepliedAt: sent + TimeSpan.FromMinutes(2)),
                3 or 4 => new SeedRecipient(phone, name, RecipientStatus.Delivered, wamid, SentAt: sent, DeliveredAt: sent + TimeSpan.FromSeconds(40)),
                5 => new SeedRecipient(phone, name, RecipientStatus.Sent, wamid, SentAt: sent),
                6 => (i / 10 % 4) switch
                {
                    0 or 1 => new SeedRecipient(phone, name, RecipientStatus.Failed, ErrorCode: 131026, ErrorMessage: UndeliverableMessage,
                        FailedAt: sent + TimeSpan.FromSeconds(1)),
                    2 => new SeedRecipient(phone, name, RecipientStatus.Failed, wamid, 131049, EcosystemTitle,
                        SentAt: sent, FailedAt: sent + TimeSpan.FromMinutes(2)),
                    _ => new SeedRecipient(phone, name, RecipientStatus.Failed, ErrorCode: 132015, FailedAt: sent + TimeSpan.FromSeconds(1)),
                },
                7 => new SeedRecipient(phone, name, RecipientStatus.Pending),
                8 => new SeedRecipient(phone, name, RecipientStatus.Skipped, ErrorMessage: "Opted out"),
                _ => new SeedRecipient(phone, name, RecipientStatus.Unknown, ErrorMessage: "No answer was recorded for this send."),
            });
        }
        return rows;
    }

    private static SeedRecipient Read(string phone, string name, string wamid, DateTimeOffset sent, int i) =>
        new(phone, name, RecipientStatus.Read, wamid, SentAt: sent, DeliveredAt: sent + TimeSpan.FromSeconds(20),
            ReadAt: sent + TimeSpan.FromMinutes(3 + i % 4));

    /// <summary>Writes the rows for the campaign in one COPY, in the given order (so ids follow it).</summary>
    public static async Task SeedRecipientsAsync(this AppFactory app, int campaignId, IEnumerable<SeedRecipient> rows)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var copy = await connection.BeginBinaryImportAsync(
            """
            COPY campaign_recipients (campaign_id, phone, name, parameters_json, status, message_id, error_code, error_message, attempts,
                                      sent_at, delivered_at, read_at, failed_at, replied_at, button_clicked, button_payload)
            FROM STDIN (FORMAT BINARY)
            """);
        foreach (var row in rows)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(campaignId, NpgsqlDbType.Integer);
            await copy.WriteAsync(row.Phone, NpgsqlDbType.Varchar);
            await copy.WriteAsync(row.Name, NpgsqlDbType.Varchar);
            await copy.WriteAsync("{}", NpgsqlDbType.Jsonb);
            await copy.WriteAsync(row.Status.ToString(), NpgsqlDbType.Varchar);
            await WriteAsync(copy, row.MessageId, NpgsqlDbType.Varchar);
            await WriteAsync(copy, row.ErrorCode, NpgsqlDbType.Integer);
            await WriteAsync(copy, row.ErrorMessage, NpgsqlDbType.Varchar);
            await copy.WriteAsync(row.SentAt is null && row.FailedAt is null ? 0 : 1, NpgsqlDbType.Integer);
            await WriteAsync(copy, row.SentAt, NpgsqlDbType.TimestampTz);
            await WriteAsync(copy, row.DeliveredAt, NpgsqlDbType.TimestampTz);
            await WriteAsync(copy, row.ReadAt, NpgsqlDbType.TimestampTz);
            await WriteAsync(copy, row.FailedAt, NpgsqlDbType.TimestampTz);
            await WriteAsync(copy, row.RepliedAt, NpgsqlDbType.TimestampTz);
            await WriteAsync(copy, row.ButtonClicked, NpgsqlDbType.Varchar);
            await WriteAsync(copy, row.ButtonPayload, NpgsqlDbType.Varchar);
        }
        await copy.CompleteAsync();
    }

    private static Task WriteAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type) =>
        value is null ? copy.WriteNullAsync() : copy.WriteAsync(value, type);

    private static Task WriteAsync(NpgsqlBinaryImporter copy, int? value, NpgsqlDbType type) =>
        value is { } v ? copy.WriteAsync(v, type) : copy.WriteNullAsync();

    private static Task WriteAsync(NpgsqlBinaryImporter copy, DateTimeOffset? value, NpgsqlDbType type) =>
        value is { } v ? copy.WriteAsync(v, type) : copy.WriteNullAsync();

    /// <summary>A completed campaign with its account and template, holding <paramref name="rows"/>.</summary>
    public static async Task<int> CampaignWithRecipientsAsync(this CampaignsAppFactory app, string name, Func<int, IEnumerable<SeedRecipient>> rows)
    {
        var account = await app.AddAccountAsync($"{name} account");
        var template = await app.AddTemplateAsync(account, "order_update");
        var id = await app.AddCampaignAsync(name, account, template, CampaignStatus.Completed);
        await app.SeedRecipientsAsync(id, rows(id));
        return id;
    }
}
