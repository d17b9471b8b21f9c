using System.Text.Json;
using System.Text.Json.Serialization;

namespace WhatsAppDashboard.Features.Campaigns;

public enum LabelMatch { Any, All }

/// <summary>
/// The audience choices of a campaign, stored as <see cref="Campaign.AudienceJson"/>. Only the part matching
/// <see cref="Campaign.AudienceKind"/> is used; the others are kept so switching back loses nothing.
/// </summary>
public sealed record AudienceSettings
{
    public ContactsAudience Contacts { get; init; } = new();
    public CsvAudience? Csv { get; init; }
    public string? ProviderKey { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static AudienceSettings Read(Campaign campaign) => Parse(campaign.AudienceJson);

    /// <summary>Settings from their JSON (as stored in the <c>audience_json</c> column).</summary>
    public static AudienceSettings Parse(string? json) =>
        string.IsNullOrWhiteSpace(json) ? new() : JsonSerializer.Deserialize<AudienceSettings>(json, Json) ?? new();

    public void WriteTo(Campaign campaign) => campaign.AudienceJson = ToJson();

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Contacts selected by labels and fields. Opted-out and blocked contacts are always excluded.</summary>
public sealed record ContactsAudience
{
    public IReadOnlyList<string> Labels { get; init; } = [];
    public LabelMatch LabelMatch { get; init; } = LabelMatch.Any;
    public IReadOnlyList<string> ExcludeLabels { get; init; } = [];
    public bool ActiveOnly { get; init; } = true;
    /// <summary>Optional "attribute equals value" condition.</summary>
    public string? AttributeKey { get; init; }
    public string? AttributeValue { get; init; }
}

/// <summary>What the user chose for an uploaded CSV; its valid rows are <see cref="CampaignAudienceRow"/>s.</summary>
public sealed record CsvAudience
{
    public string FileName { get; init; } = "";
    /// <summary>The upload the rows came from, while it is kept (so the columns can be chosen again without a new upload).</summary>
    public string? UploadId { get; init; }
    public string PhoneColumn { get; init; } = "";
    public string? NameColumn { get; init; }
    /// <summary>Every header of the file, in order: each is a mapping source.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];
    public int Rows { get; init; }
    public int Valid { get; init; }
    public int Duplicates { get; init; }
    public int Invalid { get; init; }
    public int OptedOut { get; init; }
}
