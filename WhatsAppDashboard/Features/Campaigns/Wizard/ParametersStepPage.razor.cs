using System.Globalization;
using Microsoft.AspNetCore.Components;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Rendering;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns.Wizard;

/// <summary>
/// Step 3: a source for every value the template needs, the number of recipients who would get an empty value, and
/// the rendered message for the first recipients.
/// </summary>
public partial class ParametersStepPage
{
    [CascadingParameter] private HttpContext HttpContext { get; set; } = default!;

    [Parameter] public int Id { get; set; }

    [SupplyParameterFromForm(FormName = "parameters")] private ParametersForm Form { get; set; } = default!;

    /// <summary>How many recipients the page previews.</summary>
    private const int PreviewCount = 5;

    private Campaign? Campaign { get; set; }
    private WhatsAppTemplate? Template { get; set; }
    private string? Refusal { get; set; }
    private string? Error { get; set; }
    private string? TemplateProblem { get; set; }
    private string? AudienceProblem { get; set; }
    private TemplateDefinition Definition { get; set; } = TemplateDefinition.Parse("[]");
    private IReadOnlyList<MappingSlot> Slots { get; set; } = [];
    private IReadOnlyList<string> Fields { get; set; } = [];
    private IReadOnlyList<SlotRow> Rows { get; set; } = [];
    private Dictionary<string, ParameterMapping> Mappings { get; set; } = [];
    private IReadOnlyDictionary<string, string> Problems { get; set; } = new Dictionary<string, string>();
    private EmptyValueCounts Empty { get; set; } = EmptyValueCounts.None;
    private IReadOnlyList<(AudienceMember Member, RenderedMessage Rendered)> Previews { get; set; } = [];

    private bool IsPost => HttpMethods.IsPost(HttpContext.Request.Method);
    private bool IsRecurring => Campaign?.ScheduleKind == ScheduleKind.Recurring;
    private string Actor => HttpContext.User.Identity?.Name ?? "unknown";
    private string SampleNote => Empty.SampledMembers is { } sampled ? $" (among the first {N(sampled)})" : "";

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
        Template = Campaign.Template;
        if (Template is null || Campaign.WizardStep < (int)WizardStep.Audience)
            return;

        Definition = TemplateDefinition.Parse(Template);
        Slots = ParameterSlots.Of(Definition);
        TemplateProblem = ParameterSlots.TemplateProblem(Definition);
        var spec = AudienceSpec.Of(Campaign);
        AudienceProblem = Resolver.ProblemOf(spec);
        Fields = AudienceProblem is null ? await FieldQueries.FieldNamesAsync(spec) : [AudienceFields.Phone, AudienceFields.Name];

        var saved = ParameterMappings.Read(Campaign);
        if (IsPost && Form.Matches(Slots))
        {
            Rows = Form.Rows(Slots.Count);
            Mappings = Form.ToMappings(Slots);
            Problems = ParametersStep.Check(Campaign, Definition, Mappings);
        }
        else
        {
            if (IsPost)
                Error = "The template's variables changed while this page was open: check the sources again.";
            Rows = Slots.Select(s => SlotRow.From(saved.GetValueOrDefault(s.Key), Fields)).ToList();
            Mappings = Slots.Where(s => saved.ContainsKey(s.Key)).ToDictionary(s => s.Key, s => saved[s.Key]);
        }

        if (AudienceProblem is not null)
            return;
        Empty = await FieldQueries.CountEmptyAsync(spec, Mappings);
        var renderer = new MessageRenderer(Template.Name, Template.Language, Definition, Mappings);
        var daysLeft = DaysLeft.On(Campaign, DaysLeft.Today(Campaign, Clock));
        Previews = (await FieldQueries.FirstMembersAsync(spec, PreviewCount))
            .Select(member => (member, renderer.Render(member, daysLeft)))
            .ToList();
    }

    private async Task SubmitAsync()
    {
        if (Campaign is null || Template is null || Form.Command != "save" || Error is not null || Campaign.WizardStep < (int)WizardStep.Audience)
            return;
        var result = await Step.SaveAsync(Campaign, Template, Mappings, Actor);
        if (!result.Succeeded)
        {
            var unmapped = Slots.Count(s => !Mappings.ContainsKey(s.Key));
            Error = unmapped > 0
                ? $"Every variable needs a source before moving on: {unmapped} {(unmapped == 1 ? "is" : "are")} not mapped yet."
                : "Correct the marked variables before moving on.";
            if (Problems.TryGetValue("template", out var templateProblem))
                Error = templateProblem;
            return;
        }
        Flash.Success(Slots.Count == 0 ? "Nothing to map: this template has no variables." : "Parameters saved.");
        Navigation.NavigateTo($"/campaigns/{Campaign.Id}/schedule");
    }

    /// <summary>409 with the reason: the campaign exists but can no longer be changed.</summary>
    private void Refuse(string refusal)
    {
        Refusal = refusal;
        HttpContext.Response.StatusCode = StatusCodes.Status409Conflict;
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusPages)
            statusPages.Enabled = false;
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>One slot's inputs as the form shows them: the source option, the text or field name, the fallback.</summary>
    private sealed record SlotRow(string Source, string? Value, string? Fallback)
    {
        public static SlotRow From(ParameterMapping? mapping, IReadOnlyList<string> fields) => mapping switch
        {
            null => new SlotRow("", null, null),
            { Source: MappingSource.Field } when fields.FirstOrDefault(f => f.Equals(mapping.Field?.Trim(), StringComparison.OrdinalIgnoreCase)) is { } known =>
                new SlotRow("field:" + known, null, mapping.Fallback),
            { Source: MappingSource.Field } => new SlotRow("other", mapping.Field, mapping.Fallback),
            { Source: MappingSource.Text } => new SlotRow("text", mapping.Text, mapping.Fallback),
            _ => new SlotRow("days-left", null, mapping.Fallback),
        };
    }

    private sealed class ParametersForm
    {
        public string Command { get; set; } = "";
        /// <summary>Each row's slot key, by row index, so a changed template is noticed rather than mis-mapped.</summary>
        public Dictionary<string, string>? Keys { get; set; }
        public Dictionary<string, string>? Source { get; set; }
        public Dictionary<string, string>? Value { get; set; }
        public Dictionary<string, string>? Fallback { get; set; }

        public bool Matches(IReadOnlyList<MappingSlot> slots) =>
            slots.Select((slot, i) => Get(Keys, i) == slot.Key).All(same => same) && (Keys?.Count ?? 0) == slots.Count;

        public IReadOnlyList<SlotRow> Rows(int count) =>
            Enumerable.Range(0, count).Select(i => new SlotRow(Get(Source, i) ?? "", Get(Value, i), Get(Fallback, i))).ToList();

        public Dictionary<string, ParameterMapping> ToMappings(IReadOnlyList<MappingSlot> slots)
        {
            var mappings = new Dictionary<string, ParameterMapping>();
            for (var i = 0; i < slots.Count; i++)
            {
                var source = Get(Source, i) ?? "";
                var value = Get(Value, i);
                var fallback = string.IsNullOrWhiteSpace(Get(Fallback, i)) ? null : Get(Fallback, i);
                ParameterMapping? mapping = source switch
                {
                    _ when source.StartsWith("field:", StringComparison.Ordinal) => new(MappingSource.Field, Field: source["field:".Length..], Fallback: fallback),
                    "other" => new(MappingSource.Field, Field: value?.Trim(), Fallback: fallback),
                    "text" => new(MappingSource.Text, Text: value, Fallback: fallback),
                    "days-left" => new(MappingSource.DaysLeft, Fallback: fallback),
                    _ => null,
                };
                if (mapping is not null)
                    mappings[slots[i].Key] = mapping;
            }
            return mappings;
        }

        private static string? Get(Dictionary<string, string>? values, int index) =>
            values?.GetValueOrDefault(index.ToString(CultureInfo.InvariantCulture));
    }
}
