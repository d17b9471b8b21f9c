using System.Globalization;
using Microsoft.AspNetCore.Components;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Contacts;

namespace WhatsAppDashboard.Features.Campaigns.Wizard;

/// <summary>
/// Step 2: who receives the campaign. One tab per kind of audience (the kind is a submitted field, so the page works
/// without JavaScript); the CSV tab uploads through <see cref="CsvAudienceEndpoints"/> and validates here.
/// </summary>
public partial class AudienceStepPage
{
    [CascadingParameter] private HttpContext HttpContext { get; set; } = default!;

    [Parameter] public int Id { get; set; }

    [SupplyParameterFromQuery(Name = "kind")] private string? KindQuery { get; set; }

    [SupplyParameterFromQuery(Name = "upload")] private string? UploadQuery { get; set; }

    [SupplyParameterFromForm(FormName = "audience")] private AudienceForm Form { get; set; } = default!;

    private static readonly (AudienceKind Kind, string Title, string Icon)[] AllKinds =
    [
        (AudienceKind.Contacts, "Contacts", "bi-person-lines-fill"),
        (AudienceKind.Csv, "CSV upload", "bi-filetype-csv"),
        (AudienceKind.Named, "Named audience", "bi-stars"),
        (AudienceKind.List, "API list", "bi-braces"),
    ];

    private Campaign? Campaign { get; set; }
    private string? Refusal { get; set; }
    private AudienceSettings Settings { get; set; } = new();
    private AudienceKind ActiveKind { get; set; }
    private IReadOnlyList<LabelSummary> Labels { get; set; } = [];
    private IReadOnlyList<string> AttributeKeys { get; set; } = [];
    private ContactsAudience Contacts { get; set; } = new();
    private string? ProviderKey { get; set; }
    private CsvUpload? PendingUpload { get; set; }
    private CsvColumnChoice CsvChoice { get; set; } = new(null, null, null);
    private IReadOnlyList<CsvPreviewRow> CsvPreview { get; set; } = [];
    private CsvAudience? CsvReport { get; set; }
    private IReadOnlyList<CsvRejectedRow> RejectedRows { get; set; } = [];
    private IReadOnlyList<int> OptedOutRows { get; set; } = [];
    private AudienceCount? Count { get; set; }
    private string? CountProblem { get; set; }
    private IReadOnlyDictionary<string, string[]> Errors { get; set; } = new Dictionary<string, string[]>();
    private string? Error { get; set; }

    private bool IsPost => HttpMethods.IsPost(HttpContext.Request.Method);
    private string Actor => HttpContext.User.Identity?.Name ?? "unknown";
    private string CampaignTitle => string.IsNullOrWhiteSpace(Campaign?.Name) ? "New campaign" : Campaign.Name;

    /// <summary>The API list is a kind of its own only for campaigns that have one.</summary>
    private IEnumerable<(AudienceKind Kind, string Title, string Icon)> Kinds =>
        AllKinds.Where(k => k.Kind != AudienceKind.List || Campaign?.AudienceKind == AudienceKind.List);

    private IEnumerable<(string Title, int Value, string TestId, string Tone)> ReportTotals =>
    [
        ("Rows", CsvReport!.Rows, "rows-count", "secondary"),
        ("Valid", CsvReport.Valid, "valid-count", "success"),
        ("Duplicates", CsvReport.Duplicates, "duplicate-count", "warning"),
        ("Invalid", CsvReport.Invalid, "invalid-count", "danger"),
        ("Opted out", CsvReport.OptedOut, "opted-out-count", "warning"),
    ];

    /// <summary>The page renders between awaits while it loads; only the finished state is shown.</summary>
    private bool Loaded { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Form ??= new();
        try
        {
            await LoadAsync();
        }
        finally
        {
            Loaded = true;
        }
    }

    private async Task LoadAsync()
    {
        var draft = await Drafts.LoadForEditAsync(Id);
        if (draft.NotFound)
        {
            Navigation.NotFound();
            return;
        }
        if (!draft.Succeeded)
        {
            Refuse(draft.Refusal!);
            return;
        }
        Campaign = draft.Campaign!;
        Settings = AudienceSettings.Read(Campaign);
        ActiveKind = ParseKind(IsPost ? Form.Kind : KindQuery) ?? Campaign.AudienceKind;
        if (ActiveKind == AudienceKind.List && Campaign.AudienceKind != AudienceKind.List)
            ActiveKind = AudienceKind.Contacts;

        switch (ActiveKind)
        {
            case AudienceKind.Contacts:
                Labels = await ContactQueries.LabelsAsync();
                AttributeKeys = await FieldQueries.KnownAttributeKeysAsync();
                Contacts = IsPost ? Form.ToContacts(Labels) : Settings.Contacts;
                if (IsPost)
                    Errors = AudienceStep.Validate(Contacts).FieldErrors;
                break;
            case AudienceKind.Csv:
                await LoadCsvAsync();
                break;
            case AudienceKind.Named:
                ProviderKey = IsPost ? Form.ProviderKey : Settings.ProviderKey;
                break;
        }
        if ((!IsPost || Form.Command == "count") && Errors.Count == 0)
            await CountAsync();
    }

    private async Task SubmitAsync()
    {
        if (Campaign is null)
            return;
        switch (Form.Command)
        {
            case "validate" when ActiveKind == AudienceKind.Csv:
                await ValidateCsvAsync();
                return;
            case "save":
                await SaveAsync();
                return;
        }
    }

    private async Task LoadCsvAsync()
    {
        var uploadId = IsPost ? Form.UploadId : UploadQuery;
        if (!string.IsNullOrEmpty(uploadId))
        {
            PendingUpload = Uploads.Find(uploadId, ContactEndpoints.UserId(HttpContext.User));
            if (PendingUpload is null)
                Error = "The uploaded file is no longer available (files are kept for a limited time): upload it again.";
        }
        else if (!IsPost && Settings.Csv?.UploadId is { } validatedUpload)
        {
            // Back on the step through a link: the validated file while it is kept, so its columns and country code
            // show (and can be changed) without uploading it again. Once it is gone, the saved report alone shows.
            PendingUpload = Uploads.Find(validatedUpload, ContactEndpoints.UserId(HttpContext.User));
        }
        if (PendingUpload is not null)
        {
            // A file already validated shows the columns it was validated with (the saved report), not a guess.
            CsvChoice = IsPost
                ? Form.ToCsvChoice()
                : Settings.Csv is { } validated && validated.UploadId == PendingUpload.Id
                    ? new CsvColumnChoice(validated.PhoneColumn, validated.NameColumn, Campaign!.DefaultCountryCode)
                    : CsvColumnChoice.Guess(PendingUpload.Header, Campaign!.DefaultCountryCode ?? ContactsOptions.Value.DefaultCountryCode);
            if (IsPost)
                Errors = CsvAudienceImport.Validate(PendingUpload.Header, CsvChoice).FieldErrors;
            CsvPreview = await CsvImport.PreviewAsync(PendingUpload, CsvChoice);
        }
        await RefreshCsvReportAsync();
    }

    /// <summary>The validation report of the campaign's rows as saved (saving may just have validated a file).</summary>
    private async Task RefreshCsvReportAsync()
    {
        Settings = AudienceSettings.Read(Campaign!);
        CsvReport = Settings.Csv;
        if (CsvReport is null)
            return;
        RejectedRows = await CsvImport.RejectedRowsAsync(Campaign!.Id);
        OptedOutRows = await CsvImport.OptedOutRowsAsync(Campaign.Id);
    }

    private async Task ValidateCsvAsync()
    {
        if (PendingUpload is null)
            return;
        var outcome = await CsvImport.ApplyAsync(Campaign!.Id, PendingUpload, CsvChoice, Actor);
        if (!outcome.Result.Succeeded)
        {
            ShowFailure(outcome.Result);
            return;
        }
        var report = outcome.Report!;
        Flash.Success($"{N(report.Valid)} of {N(report.Rows)} row{(report.Rows == 1 ? "" : "s")} can be sent to.");
        Navigation.NavigateTo(CsvAudienceEndpoints.AudiencePage(Campaign.Id, PendingUpload.Id));
    }

    private async Task SaveAsync()
    {
        if (Errors.Count > 0)
        {
            Error = "Correct the marked choices before moving on.";
            return;
        }
        var result = ActiveKind switch
        {
            AudienceKind.Csv => await Step.SaveCsvAsync(Campaign!, PendingUpload, PendingUpload is null ? null : CsvChoice, Actor),
            AudienceKind.Contacts => await Step.SaveAsync(Campaign!, AudienceKind.Contacts, Settings with { Contacts = Contacts }, Actor),
            AudienceKind.Named => await Step.SaveAsync(Campaign!, AudienceKind.Named, Settings with { ProviderKey = ProviderKey }, Actor),
            _ => await Step.SaveAsync(Campaign!, AudienceKind.List, Settings, Actor),
        };
        if (!result.Result.Succeeded)
        {
            ShowFailure(result.Result);
            Count = result.Count;
            if (ActiveKind == AudienceKind.Csv)
                await RefreshCsvReportAsync();
            return;
        }
        Flash.Success($"Audience saved: {SizeText(result.Count!)}");
        Navigation.NavigateTo($"/campaigns/{Campaign!.Id}/parameters");
    }

    private async Task CountAsync()
    {
        var spec = ActiveKind switch
        {
            AudienceKind.Contacts => new AudienceSpec(Campaign!.Id, ActiveKind, Settings with { Contacts = Contacts }, Campaign.DefaultCountryCode),
            AudienceKind.Named => new AudienceSpec(Campaign!.Id, ActiveKind, Settings with { ProviderKey = ProviderKey }, Campaign.DefaultCountryCode),
            _ => new AudienceSpec(Campaign!.Id, ActiveKind, Settings, Campaign.DefaultCountryCode),
        };
        if (ActiveKind == AudienceKind.Csv && CsvReport is null)
            return;
        if (ActiveKind == AudienceKind.Named && string.IsNullOrEmpty(ProviderKey))
        {
            CountProblem = "Choose a named audience to see how many people it reaches.";
            return;
        }
        if (Resolver.ProblemOf(spec) is { } problem)
        {
            CountProblem = problem;
            return;
        }
        Count = await Resolver.CountAsync(spec);
    }

    private void ShowFailure(OperationResult result)
    {
        Errors = result.FieldErrors;
        if (Errors.Count == 0)
            Error = result.Error;
    }

    /// <summary>409 with the reason: the campaign exists but can no longer be changed.</summary>
    private void Refuse(string refusal)
    {
        Refusal = refusal;
        HttpContext.Response.StatusCode = StatusCodes.Status409Conflict;
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusPages)
            statusPages.Enabled = false;
    }

    private string SizeText(AudienceCount count)
    {
        var noun = ActiveKind == AudienceKind.Contacts ? "contact" : "recipient";
        var text = $"{(count.IsLowerBound ? "At least " : "")}{N(count.Total)} {noun}{(count.Total == 1 ? "" : "s")}";
        return text + $"; {N(count.OptedOutExcluded)} opted out and {N(count.BlockedExcluded)} blocked excluded.";
    }

    private static AudienceKind? ParseKind(string? slug) => slug?.Trim().ToLowerInvariant() switch
    {
        "contacts" => AudienceKind.Contacts,
        "csv" => AudienceKind.Csv,
        "named" => AudienceKind.Named,
        "list" => AudienceKind.List,
        _ => null,
    };

    private static string KindSlug(AudienceKind kind) => kind.ToString().ToLowerInvariant();

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string DelimiterName(char delimiter) => delimiter switch { ';' => "semicolons", '\t' => "tabs", _ => "commas" };

    private sealed class AudienceForm
    {
        public string Kind { get; set; } = "";
        public string Command { get; set; } = "";
        /// <summary>Ticked label boxes by label id; the form binder leaves them null when none is ticked.</summary>
        public Dictionary<string, string>? Include { get; set; }
        public Dictionary<string, string>? Exclude { get; set; }
        /// <summary>"any" or "all" of the ticked labels.</summary>
        public string? Match { get; set; }
        public bool ActiveOnly { get; set; }
        public string? AttributeKey { get; set; }
        public string? AttributeValue { get; set; }
        public string? UploadId { get; set; }
        public string? PhoneColumn { get; set; }
        public string? NameColumn { get; set; }
        public string? DefaultCountryCode { get; set; }
        public string? ProviderKey { get; set; }

        public ContactsAudience ToContacts(IReadOnlyList<LabelSummary> labels) => new()
        {
            Labels = Names(Include, labels),
            LabelMatch = string.Equals(Match, "all", StringComparison.OrdinalIgnoreCase) ? LabelMatch.All : LabelMatch.Any,
            ExcludeLabels = Names(Exclude, labels),
            ActiveOnly = ActiveOnly,
            AttributeKey = string.IsNullOrWhiteSpace(AttributeKey) ? null : AttributeKey.Trim(),
            AttributeValue = string.IsNullOrWhiteSpace(AttributeValue) ? null : AttributeValue.Trim(),
        };

        public CsvColumnChoice ToCsvChoice() => new(
            string.IsNullOrWhiteSpace(PhoneColumn) ? null : PhoneColumn,
            string.IsNullOrWhiteSpace(NameColumn) ? null : NameColumn,
            string.IsNullOrWhiteSpace(DefaultCountryCode) ? null : DefaultCountryCode.Trim());

        private static IReadOnlyList<string> Names(Dictionary<string, string>? ticked, IReadOnlyList<LabelSummary> labels) =>
            labels.Where(l => ticked?.ContainsKey(l.Id.ToString(CultureInfo.InvariantCulture)) == true).Select(l => l.Name).ToList();
    }
}
