using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>
/// "Contacts added in the last 30 days": active contacts created within the last 30 days (by the app's clock), oldest
/// first, for welcome and onboarding messages. Opted-out and blocked contacts are left out. Each member carries its
/// attributes and <c>added_on</c>, the date it was added (UTC, yyyy-MM-dd).
/// </summary>
public sealed class RecentContactsProvider(AppDbContext db, TimeProvider clock) : IAudienceProvider
{
    public const string Key = "recent-contacts";
    public const string DisplayName = "Contacts added in the last 30 days";
    public const string AddedOnField = "added_on";
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    public IReadOnlyList<string> Fields => [AddedOnField];

    public async IAsyncEnumerable<AudienceMember> GetMembersAsync([EnumeratorCancellation] CancellationToken ct)
    {
        // A connection of its own: the caller may be writing through its context while it reads this stream.
        await using var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT c.phone, c.name, c.attributes::text, c.created_at FROM contacts c
            WHERE c.created_at >= @since AND c.is_active AND NOT c.is_opted_out AND NOT c.is_blocked
            ORDER BY c.created_at, c.id
            """, connection);
        command.Parameters.AddWithValue("since", clock.GetUtcNow() - Window);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var fields = AudienceFields.Parse(reader.GetString(2));
            fields[AddedOnField] = reader.GetFieldValue<DateTimeOffset>(3).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            yield return new AudienceMember(reader.GetString(0), reader.GetString(1), fields);
        }
    }
}
