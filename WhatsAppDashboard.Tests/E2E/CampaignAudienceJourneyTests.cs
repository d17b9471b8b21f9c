using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>Steps 2 and 3 in a real browser on a phone-sized screen: upload a CSV, validate it, map and preview.</summary>
public sealed class CampaignAudienceJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    private const string Csv =
        "Mobile;First name;Plan\r\n" +
        "07700 900201;Ada;gold\r\n" +
        "07700 900202;Bayo;\r\n" +
        "07700 900201;Ada again;silver\r\n" +
        "12;Chi;gold\r\n";

    [Fact]
    public async Task A_marketer_uploads_a_csv_maps_the_variables_and_sees_each_message_on_a_small_screen()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        var campaignId = await CreateCampaignAsync();
        await app.RunAsync(nameof(A_marketer_uploads_a_csv_maps_the_variables_and_sees_each_message_on_a_small_screen), async page =>
        {
            var wizard = new CampaignWizardPage(page);
            await new ShellPage(page).SignInAsync(marketer.Email, marketer.Password);
            await page.GotoAsync($"/campaigns/{campaignId}/audience");
            await FitsAsync(page, "the contacts tab");
            await wizard.ChooseCsvAudienceAsync();

            await wizard.UploadCsvAsync("fair.csv", Encoding.UTF8.GetBytes(Csv));
            (await wizard.PhoneColumn.InputValueAsync()).Should().Be("Mobile");
            (await wizard.NameColumn.InputValueAsync()).Should().Be("First name");
            await FitsAsync(page, "the column choice with its preview");

            await wizard.DefaultCountryCode.FillAsync("44");
            await wizard.ValidateCsvAsync();
            (await wizard.ReportTotalAsync("valid")).Should().Be("2");
            (await wizard.ReportTotalAsync("duplicate")).Should().Be("1");
            (await wizard.ReportTotalAsync("invalid")).Should().Be("1");
            (await wizard.AudienceSize.TextContentAsync())!.Trim().Should().Be("2 recipients; 0 opted out and 0 blocked excluded.");
            await FitsAsync(page, "the validation report");

            await wizard.NextFromAudienceAsync();
            await wizard.Source("Body {{1}}").SelectOptionAsync("field:First name");
            await wizard.Source("Body {{2}}").SelectOptionAsync("field:Plan");
            await wizard.Fallback("Body {{2}}").FillAsync("standard");
            await wizard.UpdatePreviewAsync("Bayo");
            (await wizard.RenderedBodies.AllTextContentsAsync()).Should().Equal(
                "Hello Ada, your plan is gold.", "Hello Bayo, your plan is standard.");
            await FitsAsync(page, "the parameters and previews");

            await wizard.NextFromParametersAsync();
            page.Url.Should().EndWith($"/campaigns/{campaignId}/schedule");
        }, width: 375, height: 740);

        await using var scope = app.Services.CreateAsyncScope();
        var campaign = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Campaigns.FindAsync(campaignId);
        campaign!.WizardStep.Should().Be(3);
        campaign.AudienceKind.Should().Be(AudienceKind.Csv);
    }

    private static async Task FitsAsync(IPage page, string what)
    {
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.Should().BeLessThanOrEqualTo(0, "{0} should fit a 375 px screen", what);
    }

    private async Task<int> CreateCampaignAsync()
    {
        var accountId = await app.CreateAccountAsync("Journey account", "token-journey");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var template = new WhatsAppTemplate
        {
            AccountId = accountId, MetaTemplateId = "journey-1", Name = "plan_news", Language = "en_GB", Category = "MARKETING",
            Status = WhatsAppTemplate.Approved, ComponentsJson = """[{"type":"BODY","text":"Hello {{1}}, your plan is {{2}}."}]""",
            SyncedAt = DateTimeOffset.UtcNow,
        };
        var now = DateTimeOffset.UtcNow;
        var campaign = new Campaign
        {
            Name = "Fair follow-up", AccountId = accountId, Template = template, WizardStep = 1, CreatedByName = "test", CreatedAt = now, UpdatedAt = now,
        };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }
}
