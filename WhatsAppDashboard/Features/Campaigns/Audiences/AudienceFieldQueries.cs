using Npgsql;
using WhatsAppDashboard.Features.Campaigns.Rendering;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>
/// How many recipients would get an empty value, per slot and in all. <see cref="SampledMembers"/> is set when a named
/// audience was only examined up to that many members.
/// </summary>
public sealed record EmptyValueCounts(IReadOnlyDictionary<string, int> BySlot, int Recipients, int? SampledMembers)
{
    public static readonly EmptyValueCounts None = new(new Dictionary<string, int>(), 0, null);
}

/// <summary>What the parameters step needs to know about an audience: its field names, its first members, and how
/// many members have blank fields.</summary>
public sealed class AudienceFieldQueries(AudienceResolver resolver)
{
    /// <summary>A named audience can only be examined by streaming it, so the empty-value count stops here.</summary>
    public const int ProviderSampleSize = 10_000;

    private const int MaxFieldNames = 200;
    private const int ProviderFieldSample = 200;

    /// <summary>The fields every member may be asked for: phone, name, then the CSV's columns, the contacts'
    /// attributes or the provider's fields (also those seen on its first members).</summary>
    public async Task<IReadOnlyList<string>> FieldNamesAsync(AudienceSpec spec, CancellationToken ct = default)
    {
        IEnumerable<string> names = spec.Kind switch
        {
            AudienceKind.Contacts => await ContactAttributeKeysAsync(spec.Settings.Contacts, ct),
            AudienceKind.Csv when spec.Settings.Csv is { } csv => csv.Columns,
            AudienceKind.Csv or AudienceKind.List => await RowFieldKeysAsync(spec.CampaignId, ct),
            _ => await ProviderFieldsAsync(spec, ct),
        };
        var result = new List<string> { AudienceFields.Phone, AudienceFields.Name };
        foreach (var name in names)
            if (!AudienceFields.IsBuiltIn(name) && !result.Contains(name, StringComparer.OrdinalIgnoreCase))
                result.Add(name);
        return result;
    }

    /// <summary>The first <paramref name="count"/> members, in the order they would be sent to.</summary>
    public async Task<IReadOnlyList<AudienceMember>> FirstMembersAsync(AudienceSpec spec, int count, CancellationToken ct = default)
    {
        var members = new List<AudienceMember>(count);
        if (count <= 0 || resolver.ProblemOf(spec) is not null)
            return members;
        await foreach (var member in resolver.ResolveAsync(spec, ct))
        {
            members.Add(member);
            if (members.Count == count)
                break;
        }
        return members;
    }

    /// <summary>
    /// How many reachable members would get an empty value for each slot mapped to a field without a fallback
    /// (<paramref name="mappings"/> by slot key), with the renderer's rules: counted in SQL for contacts and CSV rows,
    /// by streaming the first <see cref="ProviderSampleSize"/> members for a named audience.
    /// </summary>
    public async Task<EmptyValueCounts> CountEmptyAsync(
        AudienceSpec spec, IReadOnlyDictionary<string, ParameterMapping> mappings, CancellationToken ct = default)
    {
        var fieldBySlot = mappings
            .Where(m => m.Value is { Source: MappingSource.Field } mapping
                        && !string.IsNullOrWhiteSpace(mapping.Field) && string.IsNullOrWhiteSpace(mapping.Fallback))
            .ToDictionary(m => m.Key, m => m.Value.Field!.Trim());
        if (fieldBySlot.Count == 0 || resolver.ProblemOf(spec) is not null)
            return EmptyValueCounts.None;
        return spec.Kind switch
        {
            AudienceKind.Contacts => await CountEmptyInSqlAsync(fieldBySlot, "c.name", "c.attributes", parameters =>
                $"contacts c WHERE {AudienceSql.ContactsFilter(spec.Settings.Contacts, parameters)} AND {AudienceSql.ContactIsReachable}", ct),
            AudienceKind.Csv or AudienceKind.List => await CountEmptyInSqlAsync(fieldBySlot, "r.name", "r.fields", parameters =>
            {
                parameters.AddWithValue("campaign_id", spec.CampaignId);
                return $"{AudienceSql.RowsWithContacts} AND {AudienceSql.RowIsReachable}";
            }, ct),
            _ => await CountEmptyByStreamingAsync(spec, fieldBySlot, ct),
        };
    }

    private async Task<EmptyValueCounts> CountEmptyInSqlAsync(
        Dictionary<string, string> fieldBySlot, string nameColumn, string fieldsColumn,
        Func<NpgsqlParameterCollection, string> from, CancellationToken ct)
    {
        await using var connection = await resolver.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        var slots = fieldBySlot.Keys.ToList();
        var blanks = slots.Select((slot, i) =>
            AudienceSql.FieldIsBlank(fieldBySlot[slot], nameColumn, fieldsColumn, $"field_{i}", command.Parameters)).ToList();
        var source = from(command.Parameters);
        command.CommandText = "SELECT " + string.Join(", ", blanks.Select(b => $"count(*) FILTER (WHERE {b})"))
            + $", count(*) FILTER (WHERE {AudienceSql.AnyOf(blanks)}) FROM {source}";
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var bySlot = slots.Select((slot, i) => (slot, (int)reader.GetInt64(i))).ToDictionary(p => p.slot, p => p.Item2);
        return new EmptyValueCounts(bySlot, (int)reader.GetInt64(slots.Count), null);
    }

    private async Task<EmptyValueCounts> CountEmptyByStreamingAsync(AudienceSpec spec, Dictionary<string, string> fieldBySlot, CancellationToken ct)
    {
        var bySlot = fieldBySlot.Keys.ToDictionary(k => k, _ => 0);
        var recipients = 0;
        var examined = 0;
        await foreach (var member in resolver.ResolveAsync(spec, ct))
        {
            var any = false;
            foreach (var (slot, field) in fieldBySlot)
            {
                if (!string.IsNullOrWhiteSpace(MessageRenderer.FieldValue(member, field)))
                    continue;
                bySlot[slot]++;
                any = true;
            }
            if (any)
                recipients++;
            if (++examined == ProviderSampleSize)
                return new EmptyValueCounts(bySlot, recipients, examined);
        }
        return new EmptyValueCounts(bySlot, recipients, null);
    }

    /// <summary>Attribute names of the contact book, to suggest for the audience filter: read from the most recent
    /// contacts only, so the page stays quick with any number of contacts.</summary>
    public async Task<IReadOnlyList<string>> KnownAttributeKeysAsync(CancellationToken ct = default)
    {
        await using var connection = await resolver.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            SELECT DISTINCT k.key
            FROM (SELECT attributes FROM contacts ORDER BY id DESC LIMIT 10000) c CROSS JOIN LATERAL jsonb_object_keys(c.attributes) AS k(key)
            ORDER BY k.key LIMIT {MaxFieldNames}
            """, connection);
        return await ReadStringsAsync(command, ct);
    }

    private async Task<IReadOnlyList<string>> ContactAttributeKeysAsync(ContactsAudience audience, CancellationToken ct)
    {
        await using var connection = await resolver.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        var filter = AudienceSql.ContactsFilter(audience, command.Parameters);
        command.CommandText = $"""
            SELECT DISTINCT k.key FROM contacts c CROSS JOIN LATERAL jsonb_object_keys(c.attributes) AS k(key)
            WHERE {filter} AND {AudienceSql.ContactIsReachable}
            ORDER BY k.key LIMIT {MaxFieldNames}
            """;
        return await ReadStringsAsync(command, ct);
    }

    private async Task<IReadOnlyList<string>> RowFieldKeysAsync(int campaignId, CancellationToken ct)
    {
        await using var connection = await resolver.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            SELECT DISTINCT k.key FROM campaign_audience_rows r CROSS JOIN LATERAL jsonb_object_keys(r.fields) AS k(key)
            WHERE r.campaign_id = @campaign_id ORDER BY k.key LIMIT {MaxFieldNames}
            """, connection);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        return await ReadStringsAsync(command, ct);
    }

    private async Task<IReadOnlyList<string>> ProviderFieldsAsync(AudienceSpec spec, CancellationToken ct)
    {
        if (resolver.FindProvider(spec.Settings.ProviderKey) is not { } provider)
            return [];
        var names = new List<string>(provider.Fields);
        foreach (var member in await FirstMembersAsync(spec, ProviderFieldSample, ct))
            foreach (var key in member.Fields.Keys)
                if (!names.Contains(key, StringComparer.OrdinalIgnoreCase) && names.Count < MaxFieldNames)
                    names.Add(key);
        return names;
    }

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            values.Add(reader.GetString(0));
        return values;
    }
}
