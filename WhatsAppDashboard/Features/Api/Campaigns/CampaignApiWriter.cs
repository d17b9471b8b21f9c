using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Rendering;
using WhatsAppDashboard.Features.Campaigns.Wizard;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Api.Campaigns;

/// <summary>The outcome of creating or replacing a campaign: its id, or field errors, or why its state forbids it.</summary>
public sealed record CampaignWriteResult(int? Id, IReadOnlyDictionary<string, string[]>? Errors = null, string? Conflict = null, bool NotFound = false);

/// <summary>
/// Creates and replaces campaigns from one JSON document, by the wizard's own rules: the basics
/// (<see cref="CampaignBasics.ValidateAsync"/>), the audience (<see cref="AudienceStep.Validate"/>, the resolver, and
/// never an empty audience), the parameters (<see cref="ParametersStep.Check(bool, TemplateDefinition, IReadOnlyDictionary{string, ParameterMapping})"/>)
/// and the schedule (<see cref="ScheduleRules"/>). Everything is checked before anything is written, and the campaign
/// and its audit entry are saved together, so a refused request leaves nothing behind. The result is a campaign whose
/// wizard steps are all done: it can be scheduled or started at once (a list audience after its import).
/// </summary>
public sealed partial class CampaignApiWriter(
    AppDbContext db,
    CampaignBasics basics,
    CampaignDrafts drafts,
    CampaignScheduling scheduling,
    AudienceResolver audiences,
    AuditLog audit,
    TimeProvider clock)
{
    public async Task<CampaignWriteResult> CreateAsync(CampaignRequest request, ClaimsPrincipal user, CancellationToken ct = default)
    {
        var checkedRequest = await CheckAsync(request, existing: null, ct);
        if (checkedRequest.Errors.Count > 0)
            return new CampaignWriteResult(null, checkedRequest.Errors);

        var campaign = drafts.NewDraft(user, checkedRequest.Schedule!.Zone.Id);
        Apply(checkedRequest, campaign);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await drafts.SaveStepAsync(campaign, WizardStep.Schedule, ct);
        audit.Record(Actor(user), "campaigns.create", CampaignLifecycle.AuditTarget(campaign.Id, campaign.Name), "via API; " + Describe(checkedRequest));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new CampaignWriteResult(campaign.Id);
    }

    /// <summary>Replaces everything the request describes; only drafts and scheduled campaigns can be changed.</summary>
    public async Task<CampaignWriteResult> UpdateAsync(int id, CampaignRequest request, ClaimsPrincipal user, CancellationToken ct = default)
    {
        var lookup = await drafts.LoadForEditAsync(id, ct);
        if (lookup.NotFound)
            return new CampaignWriteResult(null, NotFound: true);
        if (lookup.Campaign is not { } campaign)
            return new CampaignWriteResult(null, Conflict: lookup.Refusal);

        var checkedRequest = await CheckAsync(request, campaign, ct);
        if (checkedRequest.Errors.Count > 0)
            return new CampaignWriteResult(null, checkedRequest.Errors);

        Apply(checkedRequest, campaign);
        // One SaveChanges: the campaign and its audit entry are written together.
        audit.Record(Actor(user), "campaigns.update", CampaignLifecycle.AuditTarget(campaign.Id, campaign.Name), "via API; " + Describe(checkedRequest));
        await drafts.SaveStepAsync(campaign, WizardStep.Schedule, ct);
        // As on the schedule step: a scheduled campaign's trigger follows its new schedule.
        if (campaign.Status == CampaignStatus.Scheduled)
            await scheduling.RescheduleAsync(campaign.Id, checkedRequest.Schedule!, clock.GetUtcNow(), ct);
        return new CampaignWriteResult(campaign.Id);
    }

    /// <summary>
    /// Turns <c>scheduledAt</c> into the schedule form's date and time in <paramref name="zoneId"/>: an instant
    /// (with Z or an offset) is converted to the zone's wall clock, a time without one is taken as that wall clock.
    /// Null, with <paramref name="error"/>, when it is not ISO 8601.
    /// </summary>
    public static (string Date, string Time)? LocalDateAndTime(string scheduledAt, string? zoneId, out string? error)
    {
        var text = scheduledAt.Trim();
        error = null;
        if (!IsoDateTime().IsMatch(text) || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            error = $"“{text}” is not a date and time: use ISO 8601, such as 2027-01-15T09:30 (a wall-clock time in the campaign's time zone) or 2027-01-15T09:30:00Z.";
            return null;
        }
        var local = parsed.Kind == DateTimeKind.Unspecified
            ? parsed
            : TimeZoneInfo.ConvertTime(DateTimeOffset.Parse(text, CultureInfo.InvariantCulture), TimeZones.FindOrUtc(zoneId)).DateTime;
        return (local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), local.ToString("HH:mm", CultureInfo.InvariantCulture));
    }

    /// <summary>The schedule form's field names as the API's.</summary>
    public static string ScheduleField(string formField) => formField switch
    {
        nameof(ScheduleInput.TimeZoneId) => "timeZone",
        nameof(ScheduleInput.Frequency) => "recurrence.frequency",
        nameof(ScheduleInput.RecurrenceTime) => "recurrence.time",
        nameof(ScheduleInput.StartDate) => "recurrence.startDate",
        nameof(ScheduleInput.EndDate) => "recurrence.endDate",
        _ => "scheduledAt",
    };

    private sealed record CheckedRequest(
        Dictionary<string, string[]> Errors,
        string Name = "",
        WhatsAppAccountRef? Account = null,
        WhatsAppTemplate? Template = null,
        AudienceKind AudienceKind = AudienceKind.Contacts,
        ContactsAudience? Contacts = null,
        string? ProviderKey = null,
        Dictionary<string, ParameterMapping>? Mappings = null,
        string? CountryCode = null,
        CampaignSchedule? Schedule = null);

    private sealed record WhatsAppAccountRef(int Id, string Name);

    private async Task<CheckedRequest> CheckAsync(CampaignRequest request, Campaign? existing, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var (basicErrors, account, template) = await basics.ValidateAsync(
            new BasicsInput { Name = request.Name ?? "", AccountId = request.AccountId, TemplateId = request.TemplateId }, ct);
        foreach (var (field, messages) in basicErrors)
            errors[field] = messages;

        string? countryCode = null;
        if (!string.IsNullOrWhiteSpace(request.DefaultCountryCode))
        {
            countryCode = PhoneNumbers.NormalizeCountryCode(request.DefaultCountryCode);
            if (countryCode is null)
                errors["DefaultCountryCode"] = ["Use 1 to 3 digits, such as 44 or +91, or leave it empty."];
        }

        var schedule = CheckSchedule(request, errors);
        var (kind, contacts, providerKey) = await CheckAudienceAsync(request.Audience, existing, countryCode, errors, ct);
        var mappings = template is null ? null : CheckMappings(request.ParameterMappings, template, schedule?.Kind == ScheduleKind.Recurring, errors);

        return errors.Count > 0
            ? new CheckedRequest(errors)
            : new CheckedRequest(errors, request.Name!.Trim(), new WhatsAppAccountRef(account!.Id, account.Name), template, kind, contacts,
                providerKey, mappings, countryCode, schedule);
    }

    private CampaignSchedule? CheckSchedule(CampaignRequest request, Dictionary<string, string[]> errors)
    {
        var input = new ScheduleInput { TimeZoneId = string.IsNullOrWhiteSpace(request.TimeZone) ? TimeZones.Utc : request.TimeZone };
        if (request.Recurrence is { } recurrence)
        {
            if (!string.IsNullOrWhiteSpace(request.ScheduledAt))
            {
                errors["scheduledAt"] = ["Give either scheduledAt (to send once) or recurrence, not both."];
                return null;
            }
            input.Kind = nameof(ScheduleKind.Recurring);
            input.Frequency = recurrence.Frequency ?? "";
            input.RecurrenceTime = recurrence.Time ?? "";
            input.StartDate = recurrence.StartDate ?? "";
            input.EndDate = recurrence.EndDate ?? "";
        }
        else if (!string.IsNullOrWhiteSpace(request.ScheduledAt))
        {
            if (LocalDateAndTime(request.ScheduledAt, input.TimeZoneId, out var error) is not { } local)
            {
                errors["scheduledAt"] = [error!];
                return null;
            }
            input.Kind = nameof(ScheduleKind.Once);
            (input.OnceDate, input.OnceTime) = local;
        }
        else
        {
            input.Kind = nameof(ScheduleKind.Now);
        }

        var validation = ScheduleRules.Validate(input, clock.GetUtcNow());
        foreach (var (field, messages) in validation.Errors)
            errors[ScheduleField(field)] = messages;
        return validation.Schedule;
    }

    private async Task<(AudienceKind Kind, ContactsAudience? Contacts, string? ProviderKey)> CheckAudienceAsync(
        AudienceRequest? audience, Campaign? existing, string? countryCode, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        var none = (AudienceKind.Contacts, (ContactsAudience?)null, (string?)null);
        if (audience is null)
        {
            errors["audience"] = ["Choose the audience: { \"type\": \"contacts\" | \"named\" | \"list\" }."];
            return none;
        }
        switch (audience.Type?.Trim().ToLowerInvariant())
        {
            case "contacts":
                LabelMatch match;
                if (string.IsNullOrWhiteSpace(audience.LabelMatch))
                    match = LabelMatch.Any;
                else if (!Enum.TryParse(audience.LabelMatch.Trim(), ignoreCase: true, out match) || !Enum.IsDefined(match) || int.TryParse(audience.LabelMatch, out _))
                {
                    errors["audience.labelMatch"] = ["Use \"any\" (a contact with any of the labels) or \"all\" (a contact with every label)."];
                    return none;
                }
                var contacts = new ContactsAudience
                {
                    Labels = Clean(audience.Labels),
                    LabelMatch = match,
                    ExcludeLabels = Clean(audience.ExcludeLabels),
                    ActiveOnly = audience.ActiveOnly ?? true,
                    AttributeKey = NullIfBlank(audience.AttributeKey),
                    AttributeValue = NullIfBlank(audience.AttributeValue),
                };
                var invalid = AudienceStep.Validate(contacts);
                foreach (var (field, messages) in invalid.FieldErrors)
                    errors["audience." + field] = messages;
                if (invalid.Succeeded && await EmptyAudienceAsync(AudienceKind.Contacts, new AudienceSettings { Contacts = contacts }, countryCode, ct) is { } emptyContacts)
                    errors["audience"] = [emptyContacts];
                return (AudienceKind.Contacts, contacts, null);

            case "named":
                var settings = new AudienceSettings { ProviderKey = NullIfBlank(audience.Provider) };
                if (audiences.ProblemOf(new AudienceSpec(0, AudienceKind.Named, settings, countryCode)) is { } problem)
                    errors["audience.provider"] = [problem];
                else if (await EmptyAudienceAsync(AudienceKind.Named, settings, countryCode, ct) is { } emptyNamed)
                    errors["audience"] = [emptyNamed];
                return (AudienceKind.Named, null, settings.ProviderKey);

            case "list":
                // Filled by the recipients import; a start with nobody imported yet is refused then.
                return (AudienceKind.List, null, null);

            case "csv" when existing?.AudienceKind == AudienceKind.Csv:
                // Keeps the file uploaded on the audience step.
                return (AudienceKind.Csv, null, null);

            default:
                errors["audience.type"] = [string.IsNullOrWhiteSpace(audience.Type)
                    ? "Choose the audience type: contacts, named or list."
                    : $"“{audience.Type.Trim()}” is not an audience type: use contacts, named or list (a CSV file is uploaded on the campaign's Audience page)."];
                return none;
        }
    }

    /// <summary>The wizard's refusal of an audience with nobody in it, or null when someone would receive the campaign.</summary>
    private async Task<string?> EmptyAudienceAsync(AudienceKind kind, AudienceSettings settings, string? countryCode, CancellationToken ct)
    {
        var count = await audiences.CountAsync(new AudienceSpec(0, kind, settings, countryCode), ct);
        return count.Total == 0 ? AudienceStep.EmptyAudienceMessage(kind, count) : null;
    }

    private static Dictionary<string, ParameterMapping>? CheckMappings(
        Dictionary<string, ParameterMappingRequest>? requested, WhatsAppTemplate template, bool isRecurring, Dictionary<string, string[]> errors)
    {
        var definition = TemplateDefinition.Parse(template);
        var slotKeys = ParameterSlots.Of(definition).Select(s => s.Key).ToList();
        var mappings = new Dictionary<string, ParameterMapping>(StringComparer.Ordinal);
        var before = errors.Count;
        foreach (var (key, mapping) in requested ?? [])
        {
            var field = "parameterMappings." + key;
            if (!slotKeys.Contains(key))
            {
                errors[field] = [slotKeys.Count == 0
                    ? $"The template “{template.Name}” has no variables: send no parameter mappings."
                    : $"The template “{template.Name}” has no variable “{key}”; its variables are: {string.Join(", ", slotKeys)}."];
                continue;
            }
            if (ParseSource(mapping?.Source) is not { } source)
            {
                errors[field] = ["Choose the source: \"field\" (an audience field), \"text\" (the same text for everyone) or \"daysLeft\"."];
                continue;
            }
            mappings[key] = new ParameterMapping(source, NullIfBlank(mapping!.Field)?.Trim(), NullIfBlank(mapping.Text), NullIfBlank(mapping.Fallback));
        }
        if (errors.Count > before)
            return null;
        foreach (var (key, problem) in ParametersStep.Check(isRecurring, definition, mappings))
            errors[key == "template" ? "templateId" : "parameterMappings." + key] = [problem];
        return mappings;
    }

    private static MappingSource? ParseSource(string? source) =>
        (source ?? "").Replace("_", "", StringComparison.Ordinal).Trim().ToLowerInvariant() switch
        {
            "field" => MappingSource.Field,
            "text" => MappingSource.Text,
            "daysleft" => MappingSource.DaysLeft,
            _ => null,
        };

    private void Apply(CheckedRequest request, Campaign campaign)
    {
        campaign.Name = request.Name;
        campaign.AccountId = request.Account!.Id;
        campaign.TemplateId = request.Template!.Id;
        campaign.AudienceKind = request.AudienceKind;
        // Only the chosen kind's settings change; the others are kept, as on the audience step.
        var settings = AudienceSettings.Read(campaign);
        settings = request.AudienceKind switch
        {
            AudienceKind.Contacts => settings with { Contacts = request.Contacts! },
            AudienceKind.Named => settings with { ProviderKey = request.ProviderKey },
            _ => settings,
        };
        settings.WriteTo(campaign);
        ParameterMappings.Write(campaign, request.Mappings!);
        campaign.DefaultCountryCode = request.CountryCode;
        request.Schedule!.ApplyTo(campaign, clock.GetUtcNow());
    }

    private static string Describe(CheckedRequest request) =>
        $"account {request.Account!.Name}; template {request.Template!.Name} ({request.Template.Language}); " +
        $"audience {request.AudienceKind.ToString().ToLowerInvariant()}; schedule: {request.Schedule!.Describe()}";

    private static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    private static List<string> Clean(List<string>? labels) =>
        (labels ?? []).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.Trim()).Distinct(StringComparer.Ordinal).ToList();

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDateTime();
}
