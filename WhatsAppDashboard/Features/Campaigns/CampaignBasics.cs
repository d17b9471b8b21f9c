using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>The Basics step's form.</summary>
public sealed class BasicsInput
{
    public const string SaveCommand = "save";
    /// <summary>Re-renders the form for the chosen account or template without saving (the no-JavaScript path).</summary>
    public const string RefreshCommand = "refresh";
    public const int NameMaxLength = 200;

    public string Name { get; set; } = "";
    public int? AccountId { get; set; }
    public int? TemplateId { get; set; }
    public string Command { get; set; } = SaveCommand;

    public static BasicsInput From(Campaign campaign) => new()
    {
        Name = campaign.Name,
        AccountId = campaign.AccountId,
        TemplateId = campaign.TemplateId,
    };
}

public sealed record TemplateOption(int Id, string Name, string Language, string Category);

/// <summary>The outcome of saving the Basics step: the campaign's id, and the mappings the new template made obsolete.</summary>
public sealed record BasicsSaveResult(OperationResult Result, int? CampaignId, IReadOnlyList<string> DroppedMappings);

/// <summary>
/// Step 1 of the wizard: name, account, template. Only active accounts, and only templates Meta has approved for that
/// account, are accepted, whatever the form posts.
/// </summary>
public sealed class CampaignBasics(AppDbContext db, CampaignDrafts drafts, AuditLog audit)
{
    public async Task<IReadOnlyList<AccountOption>> ActiveAccountsAsync(CancellationToken ct = default) =>
        await db.WhatsAppAccounts.AsNoTracking()
            .Where(a => a.IsActive)
            .OrderBy(a => a.Name)
            .Select(a => new AccountOption(a.Id, a.Name, a.IsActive))
            .ToListAsync(ct);

    /// <summary>The account's approved templates, by name and language.</summary>
    public async Task<IReadOnlyList<TemplateOption>> SendableTemplatesAsync(int accountId, CancellationToken ct = default) =>
        await db.WhatsAppTemplates.AsNoTracking()
            .Where(t => t.AccountId == accountId)
            .WhereSendable()
            .OrderBy(t => t.Name).ThenBy(t => t.Language)
            .Select(t => new TemplateOption(t.Id, t.Name, t.Language, t.Category))
            .ToListAsync(ct);

    public Task<WhatsAppTemplate?> FindTemplateAsync(int id, CancellationToken ct = default) =>
        db.WhatsAppTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);

    /// <summary>
    /// The step's rules: a name of 1 to <see cref="BasicsInput.NameMaxLength"/> characters, an active account, and a
    /// template of that account Meta has approved. Errors are keyed by <see cref="BasicsInput"/> property; the wizard and
    /// the API both check through here.
    /// </summary>
    public async Task<(Dictionary<string, string[]> Errors, WhatsAppAccount? Account, WhatsAppTemplate? Template)> ValidateAsync(
        BasicsInput input, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        var name = (input.Name ?? "").Trim();
        if (name.Length == 0)
            errors[nameof(BasicsInput.Name)] = ["Give the campaign a name."];
        else if (name.Length > BasicsInput.NameMaxLength)
            errors[nameof(BasicsInput.Name)] = [$"The name can have at most {BasicsInput.NameMaxLength} characters; this one has {name.Length}."];

        var account = input.AccountId is { } accountId
            ? await db.WhatsAppAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct)
            : null;
        if (account is null)
            errors[nameof(BasicsInput.AccountId)] = ["Choose the account to send from."];
        else if (!account.IsActive)
            errors[nameof(BasicsInput.AccountId)] = [$"The account “{account.Name}” is inactive: choose an active account."];

        var template = input.TemplateId is { } templateId ? await FindTemplateAsync(templateId, ct) : null;
        if (template is null)
            errors[nameof(BasicsInput.TemplateId)] = ["Choose the template to send."];
        else if (account is not null && template.AccountId != account.Id)
            errors[nameof(BasicsInput.TemplateId)] = [$"“{template.Name}” belongs to another account: choose one of {account.Name}'s templates."];
        else if (!TemplateSendability.IsSendable(template.Status))
            errors[nameof(BasicsInput.TemplateId)] = [$"“{template.Name}” ({template.Language}) cannot be sent: {TemplateSendability.Explain(template.Status)}"];
        return (errors, account, template);
    }

    /// <summary>
    /// Validates and saves the step: a new draft when <paramref name="campaign"/> is null, else the tracked campaign
    /// from <see cref="CampaignDrafts.LoadForEditAsync"/>.
    /// </summary>
    public async Task<BasicsSaveResult> SaveAsync(Campaign? campaign, BasicsInput input, ClaimsPrincipal user, CancellationToken ct = default)
    {
        var (errors, account, template) = await ValidateAsync(input, ct);
        if (errors.Count > 0)
            return new(OperationResult.FailFields(errors), campaign?.Id, []);
        var name = (input.Name ?? "").Trim();

        var actor = user.Identity?.Name ?? "unknown";
        var isNew = campaign is null;
        campaign ??= drafts.NewDraft(user, TimeZones.Of(user).Id);
        var changes = Changes(campaign, name, account!.Id, template!.Id);
        IReadOnlyList<string> dropped = campaign.TemplateId == template.Id ? [] : KeepMappingsOf(campaign, template);
        campaign.Name = name;
        campaign.AccountId = account.Id;
        campaign.TemplateId = template.Id;

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await drafts.SaveStepAsync(campaign, WizardStep.Basics, ct);
        audit.Record(actor, isNew ? "campaigns.create" : "campaigns.update", CampaignLifecycle.AuditTarget(campaign.Id, campaign.Name),
            isNew
                ? $"account {account.Name}; template {template.Name} ({template.Language})"
                : $"basics: {(changes.Count == 0 ? "no change" : string.Join(", ", changes))}"
                  + (dropped.Count == 0 ? "" : $"; mappings dropped: {string.Join(", ", dropped)}"));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new(OperationResult.Success, campaign.Id, dropped.Select(MappingLabel).ToList());
    }

    /// <summary>The keys a template's variables are mapped under (see <see cref="ParameterMappings"/>).</summary>
    public static IReadOnlySet<string> VariableKeys(WhatsAppTemplate template)
    {
        var definition = TemplateDefinition.Parse(template);
        var keys = definition.Variables.Select(ParameterMappings.KeyOf).ToHashSet(StringComparer.Ordinal);
        if (definition.Header?.Format is TemplateHeaderFormat.Image or TemplateHeaderFormat.Video or TemplateHeaderFormat.Document)
            keys.Add(ParameterMappings.HeaderMediaKey);
        return keys;
    }

    /// <summary>A mapping key for people: <c>body.3</c> is "Body {{3}}", <c>button.0.1</c> is "Button 1 URL {{1}}".</summary>
    public static string MappingLabel(string key)
    {
        if (key == ParameterMappings.HeaderMediaKey)
            return "Header media link";
        var parts = key.Split('.');
        return parts switch
        {
            ["header", var k] => $"Header {{{{{k}}}}}",
            ["body", var k] => $"Body {{{{{k}}}}}",
            ["button", var i, "coupon"] when int.TryParse(i, out var index) => $"Button {index + 1} coupon code",
            ["button", var i, var k] when int.TryParse(i, out var index) => $"Button {index + 1} URL {{{{{k}}}}}",
            _ => key,
        };
    }

    /// <summary>Keeps the mappings whose keys the new template still has; returns the keys dropped.</summary>
    private static IReadOnlyList<string> KeepMappingsOf(Campaign campaign, WhatsAppTemplate template)
    {
        var mappings = ParameterMappings.Read(campaign);
        if (mappings.Count == 0)
            return [];
        var keys = VariableKeys(template);
        var dropped = mappings.Keys.Where(k => !keys.Contains(k)).Order(MappingKeyOrder.Instance).ToList();
        if (dropped.Count > 0)
            ParameterMappings.Write(campaign, mappings.Where(m => keys.Contains(m.Key)).ToDictionary());
        return dropped;
    }

    private static List<string> Changes(Campaign campaign, string name, int accountId, int templateId)
    {
        var changes = new List<string>();
        if (campaign.Name != name) changes.Add("name");
        if (campaign.AccountId != accountId) changes.Add("account");
        if (campaign.TemplateId != templateId) changes.Add("template");
        return changes;
    }
}

/// <summary>Orders mapping keys part by part, numbers as numbers: <c>body.2</c> before <c>body.10</c>.</summary>
public sealed class MappingKeyOrder : IComparer<string>
{
    public static readonly MappingKeyOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        var left = (x ?? "").Split('.');
        var right = (y ?? "").Split('.');
        // Header, body, buttons: the order of the message.
        var byPlace = Place(left[0]).CompareTo(Place(right[0]));
        if (byPlace != 0)
            return byPlace;
        for (var i = 0; i < Math.Min(left.Length, right.Length); i++)
        {
            var order = int.TryParse(left[i], out var a) && int.TryParse(right[i], out var b)
                ? a.CompareTo(b)
                : string.CompareOrdinal(left[i], right[i]);
            if (order != 0)
                return order;
        }
        return left.Length.CompareTo(right.Length);
    }

    private static int Place(string part) => part switch
    {
        "header" => 0,
        "body" => 1,
        "button" => 2,
        _ => 3,
    };
}
