using System.Text;
using Npgsql;
using NpgsqlTypes;
using WhatsAppDashboard.Features.Contacts;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>
/// The SQL pieces audiences are made of, shared by streaming, counting and the empty-value counts so they can never
/// disagree. Contacts are aliased <c>c</c>, CSV/list rows <c>r</c>.
/// </summary>
internal static class AudienceSql
{
    /// <summary>Opted-out and blocked contacts never receive a campaign.</summary>
    public const string ContactIsReachable = "NOT c.is_opted_out AND NOT c.is_blocked";

    /// <summary>Rows of a CSV or list, with the contact of the same number when there is one (for exclusions).</summary>
    public const string RowsWithContacts =
        "campaign_audience_rows r LEFT JOIN contacts c ON c.phone = r.phone WHERE r.campaign_id = @campaign_id";

    /// <summary>A row is reachable unless its number belongs to an opted-out or blocked contact.</summary>
    public const string RowIsReachable = "(c.id IS NULL OR (" + ContactIsReachable + "))";

    /// <summary>
    /// The condition of a contacts audience over <c>contacts c</c>, before the opt-out and block exclusions (which are
    /// counted separately), adding its parameters to <paramref name="parameters"/>.
    /// </summary>
    public static string ContactsFilter(ContactsAudience audience, NpgsqlParameterCollection parameters)
    {
        var conditions = new List<string> { "TRUE" };
        var labels = LabelList(audience.Labels);
        if (labels.Length > 0)
        {
            parameters.Add(new NpgsqlParameter("labels", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = labels });
            conditions.Add(audience.LabelMatch == LabelMatch.All
                // Every chosen label: the contact's matching labels must number as many as were chosen.
                ? """
                  c.id IN (SELECT cl.contact_id FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
                           WHERE l.name = ANY(@labels) GROUP BY cl.contact_id HAVING count(*) = cardinality(@labels))
                  """
                : """
                  EXISTS (SELECT 1 FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
                          WHERE cl.contact_id = c.id AND l.name = ANY(@labels))
                  """);
        }
        var excluded = LabelList(audience.ExcludeLabels);
        if (excluded.Length > 0)
        {
            parameters.Add(new NpgsqlParameter("excluded_labels", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = excluded });
            conditions.Add("""
                NOT EXISTS (SELECT 1 FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
                            WHERE cl.contact_id = c.id AND l.name = ANY(@excluded_labels))
                """);
        }
        if (audience.ActiveOnly)
            conditions.Add("c.is_active");
        if (!string.IsNullOrWhiteSpace(audience.AttributeKey))
        {
            parameters.AddWithValue("attribute_key", audience.AttributeKey.Trim());
            parameters.AddWithValue("attribute_value", (audience.AttributeValue ?? "").Trim());
            // Keys are matched exactly (they are offered from the contacts' own); values ignoring case and outer spaces.
            conditions.Add("lower(btrim(c.attributes ->> @attribute_key)) = lower(@attribute_value)");
        }
        return string.Join("\n  AND ", conditions);
    }

    /// <summary>
    /// True when a member's <paramref name="field"/> is blank, with the renderer's rules (<c>MessageRenderer.FieldValue</c>):
    /// phone and name are the member's own; other fields are looked up in <paramref name="fieldsColumn"/> exactly, then
    /// ignoring case. <paramref name="parameterName"/> receives the field name.
    /// </summary>
    public static string FieldIsBlank(string field, string nameColumn, string fieldsColumn, string parameterName, NpgsqlParameterCollection parameters)
    {
        var name = field.Trim();
        if (name.Equals(AudienceFields.Phone, StringComparison.OrdinalIgnoreCase))
            return "FALSE";
        if (name.Equals(AudienceFields.Name, StringComparison.OrdinalIgnoreCase))
            return $"{nameColumn} ~ '^\\s*$'";
        parameters.AddWithValue(parameterName, name);
        return $"""
            coalesce({fieldsColumn} ->> @{parameterName},
                     (SELECT e.value FROM jsonb_each_text({fieldsColumn}) e WHERE lower(e.key) = lower(@{parameterName}) LIMIT 1),
                     '') ~ '^\s*$'
            """;
    }

    /// <summary>Label names as stored (lower case); names that could not be labels are dropped.</summary>
    private static string[] LabelList(IEnumerable<string> names) =>
        names.Select(n => LabelNames.Normalize(n).Name).OfType<string>().Distinct().ToArray();

    /// <summary>Joins conditions with OR (for "any of these fields is blank"); FALSE when there are none.</summary>
    public static string AnyOf(IReadOnlyCollection<string> conditions) =>
        conditions.Count == 0 ? "FALSE" : new StringBuilder("(").AppendJoin(" OR ", conditions).Append(')').ToString();
}
