using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>An audience to resolve: a campaign's saved choice, or the wizard's choice before it is saved.</summary>
public sealed record AudienceSpec(int CampaignId, AudienceKind Kind, AudienceSettings Settings, string? DefaultCountryCode)
{
    public static AudienceSpec Of(Campaign campaign) =>
        new(campaign.Id, campaign.AudienceKind, AudienceSettings.Read(campaign), campaign.DefaultCountryCode);
}

/// <summary>
/// How many people an audience reaches, and how many of the selected were left out because they opted out or are
/// blocked (a contact who is both counts as opted out). <see cref="IsLowerBound"/> when a named audience was only
/// counted up to <see cref="AudienceResolver.ProviderCountLimit"/>.
/// </summary>
public sealed record AudienceCount(int Total, int OptedOutExcluded, int BlockedExcluded, bool IsLowerBound = false)
{
    public static readonly AudienceCount None = new(0, 0, 0);
}

/// <summary>An audience that cannot be resolved at all (a named provider no longer registered).</summary>
public sealed class AudienceUnavailableException(string message) : Exception(message);

/// <summary>
/// Turns a campaign's audience into its members, streamed (never the whole audience in memory) in a stable order:
/// contacts by id, CSV and list rows in file order, a named provider in its own order. Opted-out and blocked contacts
/// are always left out, whatever the kind. Queries run on connections of their own, so a caller may write (for
/// example recipients, in bulk) through its <see cref="AppDbContext"/> while it reads the stream.
/// </summary>
public sealed class AudienceResolver(AppDbContext db, IServiceProvider services) : IAudienceSizeEstimator
{
    /// <summary>A named audience is counted by streaming it, so its count stops here.</summary>
    public const int ProviderCountLimit = 100_000;

    /// <summary>Members of a named audience are checked against the contacts (opt-outs, blocks) this many at a time.</summary>
    private const int ExclusionBatch = 500;

    /// <summary>Why <paramref name="spec"/> cannot be resolved, or null when it can.</summary>
    public string? ProblemOf(AudienceSpec spec) => spec.Kind == AudienceKind.Named && FindProvider(spec.Settings.ProviderKey) is null
        ? string.IsNullOrWhiteSpace(spec.Settings.ProviderKey)
            ? "Choose a named audience."
            : $"The named audience \"{spec.Settings.ProviderKey}\" is not available (any more): choose another one."
        : null;

    public IAsyncEnumerable<AudienceMember> ResolveAsync(Campaign campaign, CancellationToken ct = default) => ResolveAsync(AudienceSpec.Of(campaign), ct);

    /// <summary>The members; throws <see cref="AudienceUnavailableException"/> when <see cref="ProblemOf"/> says why it cannot.</summary>
    public IAsyncEnumerable<AudienceMember> ResolveAsync(AudienceSpec spec, CancellationToken ct = default) => spec.Kind switch
    {
        AudienceKind.Contacts => ContactsAsync(spec.Settings.Contacts, ct),
        AudienceKind.Csv or AudienceKind.List => RowsAsync(spec.CampaignId, ct),
        _ => NamedAsync(spec, null, ct),
    };

    public Task<AudienceCount> CountAsync(Campaign campaign, CancellationToken ct = default) => CountAsync(AudienceSpec.Of(campaign), ct);

    /// <summary>The review step's audience size: null until the audience step is done, or when it cannot be resolved.</summary>
    public async Task<int?> EstimateAsync(Campaign campaign, CancellationToken ct)
    {
        if (campaign.WizardStep < (int)WizardStep.Audience || ProblemOf(AudienceSpec.Of(campaign)) is not null)
            return null;
        return (await CountAsync(campaign, ct)).Total;
    }

    /// <summary>The audience's size: SQL counts for contacts and rows; a named audience is streamed (up to a limit).</summary>
    public Task<AudienceCount> CountAsync(AudienceSpec spec, CancellationToken ct = default) => spec.Kind switch
    {
        AudienceKind.Contacts => CountContactsAsync(spec.Settings.Contacts, ct),
        AudienceKind.Csv or AudienceKind.List => CountRowsAsync(spec.CampaignId, ct),
        _ => CountNamedAsync(spec, ct),
    };

    /// <summary>A connection of its own (from the pool), so streaming never blocks the caller's context.</summary>
    internal async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync(ct);
        return connection;
    }

    internal IAudienceProvider? FindProvider(string? key) =>
        string.IsNullOrWhiteSpace(key) ? null : AudienceProviderRegistry.Resolve(services, key);

    private async IAsyncEnumerable<AudienceMember> ContactsAsync(ContactsAudience audience, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        var filter = AudienceSql.ContactsFilter(audience, command.Parameters);
        command.CommandText = $"""
            SELECT c.phone, c.name, c.attributes::text FROM contacts c
            WHERE {filter} AND {AudienceSql.ContactIsReachable}
            ORDER BY c.id
            """;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var phone = reader.GetString(0);
            var name = reader.GetString(1);
            var fields = AudienceFields.Parse(reader.GetString(2));
            fields[AudienceFields.Phone] = phone;
            fields[AudienceFields.Name] = name;
            yield return new AudienceMember(phone, name, fields);
        }
    }

    private async IAsyncEnumerable<AudienceMember> RowsAsync(int campaignId, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            SELECT r.phone, r.name, r.fields::text FROM {AudienceSql.RowsWithContacts} AND {AudienceSql.RowIsReachable}
            ORDER BY r.row_number
            """, connection);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            yield return new AudienceMember(reader.GetString(0), reader.GetString(1), AudienceFields.Parse(reader.GetString(2)));
    }

    /// <summary>
    /// A provider's members, with numbers normalised to E.164 where possible (the others are kept as given, for the
    /// sender to skip with the reason) and opted-out or blocked contacts left out, checked a batch at a time.
    /// </summary>
    private async IAsyncEnumerable<AudienceMember> NamedAsync(
        AudienceSpec spec, ExclusionTally? tally, [EnumeratorCancellation] CancellationToken ct)
    {
        var provider = FindProvider(spec.Settings.ProviderKey) ?? throw new AudienceUnavailableException(ProblemOf(spec)!);
        await using var connection = await OpenConnectionAsync(ct);
        var batch = new List<AudienceMember>(ExclusionBatch);
        await foreach (var member in provider.GetMembersAsync(ct))
        {
            var phone = PhoneNumbers.Normalize(member.Phone, spec.DefaultCountryCode);
            batch.Add(phone.IsValid && phone.E164 != member.Phone ? member with { Phone = phone.E164 } : member);
            if (batch.Count < ExclusionBatch)
                continue;
            foreach (var reachable in await WithoutExcludedAsync(connection, batch, tally, ct))
                yield return reachable;
            batch.Clear();
        }
        foreach (var reachable in await WithoutExcludedAsync(connection, batch, tally, ct))
            yield return reachable;
    }

    private static async Task<IReadOnlyList<AudienceMember>> WithoutExcludedAsync(
        NpgsqlConnection connection, List<AudienceMember> batch, ExclusionTally? tally, CancellationToken ct)
    {
        if (batch.Count == 0)
            return [];
        var excluded = new Dictionary<string, bool>();
        await using (var command = new NpgsqlCommand(
            "SELECT phone, is_opted_out FROM contacts WHERE phone = ANY(@phones) AND (is_opted_out OR is_blocked)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Varchar)
            {
                Value = batch.Select(m => m.Phone).Distinct().ToArray(),
            });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                excluded[reader.GetString(0)] = reader.GetBoolean(1);
        }
        if (excluded.Count == 0)
            return batch.ToList();
        var kept = new List<AudienceMember>(batch.Count);
        foreach (var member in batch)
        {
            if (!excluded.TryGetValue(member.Phone, out var optedOut))
                kept.Add(member);
            else if (tally is not null)
            {
                if (optedOut) tally.OptedOut++;
                else tally.Blocked++;
            }
        }
        return kept;
    }

    private async Task<AudienceCount> CountContactsAsync(ContactsAudience audience, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        var filter = AudienceSql.ContactsFilter(audience, command.Parameters);
        command.CommandText = $"""
            SELECT count(*) FILTER (WHERE {AudienceSql.ContactIsReachable}),
                   count(*) FILTER (WHERE c.is_opted_out),
                   count(*) FILTER (WHERE c.is_blocked AND NOT c.is_opted_out)
            FROM contacts c WHERE {filter}
            """;
        return await ReadCountAsync(command, ct);
    }

    private async Task<AudienceCount> CountRowsAsync(int campaignId, CancellationToken ct)
    {
        await using var connection = await OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FILTER (WHERE {AudienceSql.RowIsReachable}),
                   count(*) FILTER (WHERE c.is_opted_out),
                   count(*) FILTER (WHERE c.is_blocked AND NOT c.is_opted_out)
            FROM {AudienceSql.RowsWithContacts}
            """, connection);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        return await ReadCountAsync(command, ct);
    }

    private async Task<AudienceCount> CountNamedAsync(AudienceSpec spec, CancellationToken ct)
    {
        if (ProblemOf(spec) is not null)
            return AudienceCount.None;
        var tally = new ExclusionTally();
        var total = 0;
        await foreach (var _ in NamedAsync(spec, tally, ct))
        {
            if (++total == ProviderCountLimit)
                return new AudienceCount(total, tally.OptedOut, tally.Blocked, IsLowerBound: true);
        }
        return new AudienceCount(total, tally.OptedOut, tally.Blocked);
    }

    private static async Task<AudienceCount> ReadCountAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new AudienceCount((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2));
    }

    private sealed class ExclusionTally
    {
        public int OptedOut;
        public int Blocked;
    }
}
