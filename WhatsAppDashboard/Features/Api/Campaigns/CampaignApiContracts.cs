using System.Text.Json;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Api.Campaigns;

// What the campaign endpoints read and write. Choices travel as strings ("contacts", "any", "field", "monthly") and
// are checked by CampaignRequestValidator, so a wrong value gets a sentence under its field rather than a binding error.

/// <summary>The body of <c>POST /api/v1/campaigns</c> and <c>PUT /api/v1/campaigns/{id}</c>.</summary>
public sealed record CampaignRequest
{
    public string? Name { get; init; }
    public int? AccountId { get; init; }
    public int? TemplateId { get; init; }
    public AudienceRequest? Audience { get; init; }
    /// <summary>Slot key (<c>header.1</c>, <c>body.1</c>, <c>button.0.1</c>, <c>button.0.coupon</c>, <c>header.media</c>) → source.</summary>
    public Dictionary<string, ParameterMappingRequest>? ParameterMappings { get; init; }
    /// <summary>1 to 3 digits, applied to numbers written without + or 00.</summary>
    public string? DefaultCountryCode { get; init; }
    /// <summary>Send once at this time: ISO 8601, either an instant (<c>2026-12-24T09:00:00Z</c>, <c>…+01:00</c>) or a
    /// wall-clock time in <see cref="TimeZone"/> (<c>2026-12-24T09:00</c>). Absent with no recurrence: sent when started.</summary>
    public string? ScheduledAt { get; init; }
    /// <summary>IANA zone of the schedule (default UTC).</summary>
    public string? TimeZone { get; init; }
    public RecurrenceRequest? Recurrence { get; init; }
}

/// <summary>
/// <c>{ "type": "contacts", "labels": [], "labelMatch": "any", "excludeLabels": [], "activeOnly": true }</c>,
/// <c>{ "type": "named", "provider": "key" }</c>, or <c>{ "type": "list" }</c> (recipients imported through the API).
/// </summary>
public sealed record AudienceRequest
{
    public string? Type { get; init; }
    public List<string>? Labels { get; init; }
    /// <summary><c>any</c> (default) or <c>all</c>.</summary>
    public string? LabelMatch { get; init; }
    public List<string>? ExcludeLabels { get; init; }
    public bool? ActiveOnly { get; init; }
    public string? AttributeKey { get; init; }
    public string? AttributeValue { get; init; }
    public string? Provider { get; init; }
}

/// <summary><c>{ "source": "field", "field": "name", "fallback": "there" }</c>, <c>{ "source": "text", "text": "SAVE20" }</c> or <c>{ "source": "daysLeft" }</c>.</summary>
public sealed record ParameterMappingRequest
{
    public string? Source { get; init; }
    public string? Field { get; init; }
    public string? Text { get; init; }
    public string? Fallback { get; init; }
}

/// <summary><c>{ "frequency": "monthly", "time": "09:30", "startDate": "2027-01-31", "endDate": "2027-12-31" }</c> in the campaign's zone.</summary>
public sealed record RecurrenceRequest
{
    /// <summary><c>daily</c>, <c>weekly</c>, <c>semiMonthly</c>, <c>monthly</c>, <c>semiAnnually</c> or <c>annually</c>.</summary>
    public string? Frequency { get; init; }
    /// <summary>HH:mm, 24-hour.</summary>
    public string? Time { get; init; }
    /// <summary>yyyy-MM-dd, inclusive.</summary>
    public string? StartDate { get; init; }
    /// <summary>yyyy-MM-dd, inclusive.</summary>
    public string? EndDate { get; init; }
}

/// <summary>The body of <c>POST /api/v1/campaigns/{id}/schedule</c>; without a body the campaign's saved schedule is used.</summary>
public sealed record ScheduleRequest
{
    public string? ScheduledAt { get; init; }
    public string? TimeZone { get; init; }
}

/// <summary>The body of <c>POST /api/v1/campaigns/{id}/retry</c>: <c>failed</c> (default) or <c>unknown</c>.</summary>
public sealed record RetryRequest
{
    public string? Scope { get; init; }
}

/// <summary>The JSON body of <c>POST /api/v1/campaigns/{id}/recipients/import</c>: each person has <c>phoneNumber</c>,
/// optionally <c>name</c>, and any other fields (available to parameter mappings by their names).</summary>
public sealed record RecipientImportRequest
{
    public List<Dictionary<string, JsonElement>>? Recipients { get; init; }
}

public sealed record RecipientImportResponse(int Imported, int Duplicates, int Invalid, IReadOnlyList<RecipientImportError> Errors);

public sealed record RecipientImportError(int Row, string PhoneNumber, string Reason);

public sealed record CampaignListItem(
    int Id, string Name, CampaignStatus Status, int? AccountId, string? AccountName, int? TemplateId, string? TemplateName,
    string? TemplateLanguage, ScheduleKind ScheduleKind, int TotalCount, int SentCount, int DeliveredCount, int ReadCount,
    int FailedCount, int SkippedCount, DateTimeOffset? ScheduledAt, DateTimeOffset? StartedAt, DateTimeOffset CreatedAt);

/// <summary>A page of a list: <see cref="Total"/> counts every item under the filter, not just this page's.</summary>
public sealed record PagedResponse<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize);

public sealed record StatusCountsResponse(int Draft, int Scheduled, int Running, int Paused, int Completed, int Failed, int Cancelled, int Total);

public sealed record AudienceResponse(
    string Type, IReadOnlyList<string>? Labels = null, string? LabelMatch = null, IReadOnlyList<string>? ExcludeLabels = null,
    bool? ActiveOnly = null, string? AttributeKey = null, string? AttributeValue = null, string? Provider = null,
    string? FileName = null, int? Rows = null);

public sealed record ParameterMappingResponse(string Source, string? Field, string? Text, string? Fallback);

public sealed record RecurrenceResponse(string Frequency, string? Time, string? StartDate, string? EndDate);

public sealed record CampaignResponse(
    int Id, string Name, CampaignStatus Status, int? AccountId, int? TemplateId, string? TemplateName, string? TemplateLanguage,
    AudienceResponse Audience, IReadOnlyDictionary<string, ParameterMappingResponse> ParameterMappings, string? DefaultCountryCode,
    ScheduleKind ScheduleKind, DateTimeOffset? ScheduledAt, string TimeZone, RecurrenceResponse? Recurrence,
    int TotalCount, int SentCount, int DeliveredCount, int ReadCount, int FailedCount, int SkippedCount, int RepliedCount,
    int ButtonClickCount, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, string? LastError);

public sealed record RecipientResponse(
    long Id, string PhoneNumber, string Name, RecipientStatus Status, string? MessageId, int? ErrorCode, string? ErrorMessage,
    DateTimeOffset? SentAt, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt, DateTimeOffset? FailedAt, string? ButtonClicked);

public sealed record ButtonClickResponse(string Button, string? Payload, int Count);
