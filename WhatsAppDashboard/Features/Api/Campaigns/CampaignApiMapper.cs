using System.Globalization;
using System.Text.Json;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Insights;

namespace WhatsAppDashboard.Features.Api.Campaigns;

/// <summary>Campaigns and recipients as the API shows them.</summary>
public static class CampaignApiMapper
{
    /// <param name="audienceRows">How many people a list or CSV audience holds (ignored for the other kinds).</param>
    public static CampaignResponse ToResponse(Campaign c, int audienceRows) => new(
        c.Id, c.Name, c.Status, c.AccountId, c.TemplateId, c.Template?.Name, c.Template?.Language,
        Audience(c, audienceRows),
        ParameterMappings.Read(c)
            .OrderBy(m => m.Key, MappingKeyOrder.Instance)
            .ToDictionary(m => m.Key, m => new ParameterMappingResponse(
                JsonNamingPolicy.CamelCase.ConvertName(m.Value.Source.ToString()), m.Value.Field, m.Value.Text, m.Value.Fallback)),
        c.DefaultCountryCode, c.ScheduleKind, c.ScheduledAt, c.TimeZoneId,
        c.ScheduleKind == ScheduleKind.Recurring && c.Recurrence is { } frequency
            ? new RecurrenceResponse(
                JsonNamingPolicy.CamelCase.ConvertName(frequency.ToString()),
                c.RecurrenceTime?.ToString("HH:mm", CultureInfo.InvariantCulture),
                c.RecurrenceStart?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                c.RecurrenceEnd?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            : null,
        c.TotalCount, c.SentCount, c.DeliveredCount, c.ReadCount, c.FailedCount, c.SkippedCount, c.RepliedCount, c.ButtonClickCount,
        c.CreatedAt, c.StartedAt, c.CompletedAt, c.LastError);

    public static CampaignListItem ToListItem(CampaignRow r) => new(
        r.Id, r.Name, r.Status, r.AccountId, r.AccountName, r.TemplateId, r.TemplateName, r.TemplateLanguage, r.ScheduleKind,
        r.Counters.Total, r.Counters.Sent, r.Counters.Delivered, r.Counters.Read, r.Counters.Failed, r.Counters.Skipped,
        r.ScheduledAt, r.StartedAt, r.CreatedAt);

    public static RecipientResponse ToResponse(RecipientRow r) => new(
        r.Id, r.Phone, r.Name, r.Status, r.MessageId, r.ErrorCode, r.ErrorMessage, r.SentAt, r.DeliveredAt, r.ReadAt, r.FailedAt, r.ButtonClicked);

    private static AudienceResponse Audience(Campaign c, int audienceRows)
    {
        var settings = AudienceSettings.Read(c);
        return c.AudienceKind switch
        {
            AudienceKind.Contacts => new AudienceResponse("contacts",
                settings.Contacts.Labels, settings.Contacts.LabelMatch == LabelMatch.All ? "all" : "any", settings.Contacts.ExcludeLabels,
                settings.Contacts.ActiveOnly, settings.Contacts.AttributeKey, settings.Contacts.AttributeValue),
            AudienceKind.Named => new AudienceResponse("named", Provider: settings.ProviderKey),
            AudienceKind.Csv => new AudienceResponse("csv", FileName: settings.Csv?.FileName, Rows: audienceRows),
            _ => new AudienceResponse("list", Rows: audienceRows),
        };
    }
}
