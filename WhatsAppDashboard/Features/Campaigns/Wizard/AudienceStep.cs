using WhatsAppDashboard.Common;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Campaigns.Audiences;

namespace WhatsAppDashboard.Features.Campaigns.Wizard;

/// <summary>The outcome of saving the audience step: the audience's size when saved, or why it was not.</summary>
public sealed record AudienceStepResult(OperationResult Result, AudienceCount? Count);

/// <summary>
/// Step 2 of the wizard: checks and saves the campaign's audience. Only the chosen kind's settings change (the other
/// kinds' are kept, so switching back loses nothing), and a step with nobody to send to is refused.
/// </summary>
public sealed class AudienceStep(AppDbContext db, CampaignDrafts drafts, AudienceResolver resolver, CsvAudienceImport csvImport, AuditLog audit)
{
    /// <summary>Checks a contacts filter; errors are keyed by the <see cref="ContactsAudience"/> property names.</summary>
    public static OperationResult Validate(ContactsAudience contacts)
    {
        var errors = new Dictionary<string, string[]>();
        var hasKey = !string.IsNullOrWhiteSpace(contacts.AttributeKey);
        var hasValue = !string.IsNullOrWhiteSpace(contacts.AttributeValue);
        if (hasKey && !hasValue)
            errors[nameof(ContactsAudience.AttributeValue)] = ["Enter the value the attribute must have, or clear the attribute."];
        if (!hasKey && hasValue)
            errors[nameof(ContactsAudience.AttributeKey)] = ["Enter the attribute the value is for, or clear the value."];
        if (contacts.Labels.Intersect(contacts.ExcludeLabels).FirstOrDefault() is { } both)
            errors[nameof(ContactsAudience.ExcludeLabels)] = [$"\"{both}\" cannot be both chosen and excluded."];
        return errors.Count == 0 ? OperationResult.Success : OperationResult.FailFields(errors);
    }

    /// <summary>Saves a contacts or named audience and completes the step.</summary>
    public async Task<AudienceStepResult> SaveAsync(Campaign campaign, AudienceKind kind, AudienceSettings settings, string actor, CancellationToken ct = default)
    {
        if (kind == AudienceKind.Contacts && Validate(settings.Contacts) is { Succeeded: false } invalid)
            return new AudienceStepResult(invalid, null);
        return await SaveCheckedAsync(campaign, kind, settings, actor, ct);
    }

    /// <summary>
    /// Saves the CSV audience and completes the step. When <paramref name="upload"/> is a file not yet validated with
    /// these columns, it is validated first (so what the page shows is what is saved).
    /// </summary>
    public async Task<AudienceStepResult> SaveCsvAsync(
        Campaign campaign, CsvUpload? upload, CsvColumnChoice? choice, string actor, CancellationToken ct = default)
    {
        var current = AudienceSettings.Read(campaign).Csv;
        if (upload is not null && choice is not null && !IsApplied(current, upload, choice, campaign.DefaultCountryCode))
        {
            var outcome = await csvImport.ApplyAsync(campaign.Id, upload, choice, actor, ct);
            if (!outcome.Result.Succeeded)
                return new AudienceStepResult(outcome.Result, null);
            // The import wrote the campaign's settings in SQL: read them back before changing anything else.
            await db.Entry(campaign).ReloadAsync(ct);
        }
        var settings = AudienceSettings.Read(campaign);
        if (settings.Csv is null)
            return new AudienceStepResult(OperationResult.Fail("Upload a CSV file and validate it before moving on."), null);
        return await SaveCheckedAsync(campaign, AudienceKind.Csv, settings, actor, ct);
    }

    /// <summary>True when the campaign's rows already come from <paramref name="upload"/> read with <paramref name="choice"/>.</summary>
    public static bool IsApplied(CsvAudience? current, CsvUpload upload, CsvColumnChoice choice, string? savedCountryCode) =>
        current is not null && current.UploadId == upload.Id
        && current.PhoneColumn == choice.PhoneColumn
        && (current.NameColumn ?? "") == (choice.NameColumn ?? "")
        && PhoneNumbers.NormalizeCountryCode(savedCountryCode) == PhoneNumbers.NormalizeCountryCode(choice.DefaultCountryCode);

    /// <summary>Why nobody would receive the campaign, in words for the page.</summary>
    public static string EmptyAudienceMessage(AudienceKind kind, AudienceCount count) => kind switch
    {
        AudienceKind.Contacts when count.OptedOutExcluded + count.BlockedExcluded > 0 =>
            "Every contact these choices select has opted out or is blocked: change the choices before moving on.",
        AudienceKind.Contacts => "No contact matches these choices: change them before moving on.",
        AudienceKind.Csv when count.OptedOutExcluded + count.BlockedExcluded > 0 =>
            "Every number in the file belongs to an opted-out or blocked contact: upload another file before moving on.",
        AudienceKind.Csv => "The campaign has no CSV rows: upload a file and validate it before moving on.",
        AudienceKind.Named => "This named audience has nobody in it right now: choose another before moving on.",
        _ => "The audience is empty: nobody would receive this campaign.",
    };

    private async Task<AudienceStepResult> SaveCheckedAsync(Campaign campaign, AudienceKind kind, AudienceSettings settings, string actor, CancellationToken ct)
    {
        var spec = new AudienceSpec(campaign.Id, kind, settings, campaign.DefaultCountryCode);
        if (resolver.ProblemOf(spec) is { } problem)
            return new AudienceStepResult(OperationResult.FailField(nameof(AudienceSettings.ProviderKey), problem), null);
        var count = await resolver.CountAsync(spec, ct);
        if (count.Total == 0)
            return new AudienceStepResult(OperationResult.Fail(EmptyAudienceMessage(kind, count)), count);

        campaign.AudienceKind = kind;
        settings.WriteTo(campaign);
        audit.Record(actor, "campaigns.audience", campaign.Name, $"kind={kind} recipients={count.Total}");
        await drafts.SaveStepAsync(campaign, WizardStep.Audience, ct);
        return new AudienceStepResult(OperationResult.Success, count);
    }
}
