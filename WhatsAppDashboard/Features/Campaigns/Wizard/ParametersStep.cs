using WhatsAppDashboard.Common;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Campaigns.Rendering;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns.Wizard;

/// <summary>Step 3 of the wizard: every value the template needs gets a source, or the step is refused.</summary>
public sealed class ParametersStep(CampaignDrafts drafts, AuditLog audit)
{
    /// <summary>
    /// Problems by slot key (see <see cref="ParameterSlots.Problems"/>), plus the template's own problem under
    /// <c>template</c>; empty when the mappings can be saved.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Check(Campaign campaign, TemplateDefinition definition, IReadOnlyDictionary<string, ParameterMapping> mappings) =>
        Check(campaign.ScheduleKind == ScheduleKind.Recurring, definition, mappings);

    /// <summary>The same check for a campaign not saved yet, whose schedule is or is not recurring.</summary>
    public static IReadOnlyDictionary<string, string> Check(bool isRecurring, TemplateDefinition definition, IReadOnlyDictionary<string, ParameterMapping> mappings)
    {
        var problems = new Dictionary<string, string>(ParameterSlots.Problems(ParameterSlots.Of(definition), mappings, isRecurring));
        if (ParameterSlots.TemplateProblem(definition) is { } templateProblem)
            problems["template"] = templateProblem;
        return problems;
    }

    /// <summary>Saves the mappings of the template's slots (mappings of variables the template no longer has are
    /// dropped) and completes the step; refused with a message per slot while any slot is unmapped.</summary>
    public async Task<OperationResult> SaveAsync(
        Campaign campaign, WhatsAppTemplate template, IReadOnlyDictionary<string, ParameterMapping> mappings, string actor, CancellationToken ct = default)
    {
        var definition = TemplateDefinition.Parse(template);
        var problems = Check(campaign, definition, mappings);
        if (problems.Count > 0)
            return OperationResult.FailFields(problems.ToDictionary(p => p.Key, p => new[] { p.Value }));

        var kept = ParameterSlots.Of(definition).ToDictionary(s => s.Key, s => mappings[s.Key]);
        ParameterMappings.Write(campaign, kept);
        audit.Record(actor, "campaigns.parameters", campaign.Name,
            string.Join(" ", kept.Select(m => $"{m.Key}={m.Value.Source.ToString().ToLowerInvariant()}")));
        await drafts.SaveStepAsync(campaign, WizardStep.Parameters, ct);
        return OperationResult.Success;
    }
}
