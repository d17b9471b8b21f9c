using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Sandbox;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>
/// The draft the run journeys start from: every wizard step done but the review, the seeded account's welcome_offer
/// to the 'vip' label, the name and a fixed code for the two body variables, to be sent now.
/// </summary>
public static class DemoVipCampaign
{
    public static Task<WhatsAppTemplate> WelcomeOfferAsync(AppDbContext db) =>
        db.WhatsAppTemplates.Include(t => t.Account)
            .SingleAsync(t => t.Name == "welcome_offer" && t.Account!.Name == DemoDataSeeder.AccountName);

    /// <summary>Adds the draft to <paramref name="db"/>; the caller saves.</summary>
    public static Campaign Add(AppDbContext db, WhatsAppTemplate template, string name)
    {
        var campaign = new Campaign
        {
            Name = name,
            AccountId = template.AccountId,
            TemplateId = template.Id,
            AudienceKind = AudienceKind.Contacts,
            AudienceJson = new AudienceSettings { Contacts = new ContactsAudience { Labels = ["vip"] } }.ToJson(),
            ScheduleKind = ScheduleKind.Now,
            WizardStep = (int)WizardStep.Schedule,
            CreatedByName = "arranged@test.example",
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        ParameterMappings.Write(campaign, new Dictionary<string, ParameterMapping>
        {
            ["body.1"] = new(MappingSource.Field, Field: "name", Fallback: "there"),
            ["body.2"] = new(MappingSource.Text, Text: "VIP10"),
        });
        db.Campaigns.Add(campaign);
        return campaign;
    }
}
