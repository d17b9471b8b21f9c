using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.E2E;

/// <summary>The parts of the wizard built so far, in a real browser: basics with its script, schedule, review, and the campaign page.</summary>
public sealed class CampaignWizardJourneyTests(BrowserAppFactory app) : IClassFixture<BrowserAppFactory>
{
    private async Task<string> ArrangeAccountAsync(string name, params (string Template, string Status)[] templates)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var account = new WhatsAppAccount
        {
            Name = name, PhoneNumberId = $"pn-{Guid.NewGuid():N}"[..20], WabaId = "waba", DisplayPhoneNumber = "+44 20 7946 0000",
            BusinessPortfolio = new BusinessPortfolio { Name = $"{name} portfolio", MessagingLimitTier = MessagingLimitTier.Tier250 },
            WebhookVerifyToken = "verify", IsActive = true,
        };
        foreach (var (template, status) in templates)
            db.WhatsAppTemplates.Add(new WhatsAppTemplate
            {
                Account = account, MetaTemplateId = Guid.NewGuid().ToString("N")[..16], Name = template, Language = "en_GB", Category = "MARKETING",
                Status = status, ComponentsJson = CampaignsAppFactory.PromoComponents,
            });
        db.WhatsAppAccounts.Add(account);
        await db.SaveChangesAsync();
        return account.Id.ToString(CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_marketer_names_a_campaign_picks_an_account_and_template_schedules_it_and_sees_it_scheduled()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        var shopAccount = await ArrangeAccountAsync("Shop line", ("autumn_offer", "APPROVED"), ("not_yet", "PENDING"));
        await ArrangeAccountAsync("Support line", ("ticket_update", "APPROVED"));
        var sendDate = DateTime.UtcNow.Date.AddDays(7);

        await app.RunAsync(nameof(A_marketer_names_a_campaign_picks_an_account_and_template_schedules_it_and_sees_it_scheduled), async page =>
        {
            var shell = new ShellPage(page);
            var wizard = new CampaignWizardPage(page);
            await shell.SignInAsync(marketer.Email, marketer.Password);
            await shell.NavLink("Campaigns").ClickAsync();
            // A cold app under a busy test run can take a while for its first pages.
            await page.GetByTestId("empty-state").WaitForAsync(new() { Timeout = CampaignWizardPage.PostTimeout });
            await page.GetByTestId("empty-state").GetByRole(AriaRole.Link, new() { Name = "New campaign" }).ClickAsync();
            await wizard.CampaignName.WaitForAsync(new() { Timeout = CampaignWizardPage.PostTimeout });

            await wizard.CampaignName.FillAsync("Autumn offer");
            // The script re-renders the form for the chosen account: its approved templates only.
            await wizard.Account.SelectOptionAsync(shopAccount);
            await wizard.WaitForTemplateAsync("autumn_offer");
            (await wizard.TemplateOptions.AllTextContentsAsync()).Should().Equal("Choose a template…", "autumn_offer (en_GB) · marketing");
            (await wizard.CampaignName.InputValueAsync()).Should().Be("Autumn offer", "what was typed survives the refresh");
            await wizard.ChooseTemplateAsync("autumn_offer (en_GB) · marketing");
            await wizard.TemplatePreviewBody.Filter(new() { HasText = "Hi Maria" }).WaitForAsync(new() { Timeout = CampaignWizardPage.PostTimeout });

            await wizard.SaveBasicsAsync();
            var id = wizard.CampaignId;

            // The audience and parameters steps are walked in CampaignWizardRoundTripTests: mark them done here.
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<AppDbContext>().Campaigns.Where(c => c.Id == id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.WizardStep, 3));

            await page.GotoAsync($"/campaigns/{id}/schedule");
            (await page.GetByTestId("recurring-fields").IsVisibleAsync()).Should().BeFalse("only the chosen kind's fields show");
            await wizard.SendOnceLater.CheckAsync();
            (await page.GetByTestId("once-fields").IsVisibleAsync()).Should().BeTrue();
            await wizard.OnceDate.FillAsync(sendDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            await wizard.OnceTime.FillAsync("09:30");
            await wizard.SaveScheduleAsync();

            page.Url.Should().EndWith($"/campaigns/{id}/review");
            (await wizard.ReviewSchedule.GetByTestId("schedule-description").TextContentAsync()).Should().Contain("at 09:30 (UTC)");
            await wizard.ScheduleAsync();

            page.Url.Should().EndWith($"/campaigns/{id}");
            (await page.Locator(".page-header [data-testid=campaign-status]").TextContentAsync()).Should().Be("Scheduled");
            (await page.GetByTestId("scheduled-at").TextContentAsync()).Should().Be(sendDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " 09:30");
        });
    }

    [Fact]
    public async Task On_a_phone_the_campaign_pages_need_no_sideways_scrolling()
    {
        var marketer = await app.CreateUserAsync(Roles.Marketer);
        await ArrangeAccountAsync("Narrow line", ("narrow_offer", "APPROVED"));
        int id;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var template = await db.WhatsAppTemplates.SingleAsync(t => t.Name == "narrow_offer");
            var campaign = CampaignTransitionsTests.CampaignIn(CampaignStatus.Running);
            campaign.Name = "A campaign with a rather long name to see how it wraps";
            campaign.AccountId = template.AccountId;
            campaign.TemplateId = template.Id;
            campaign.WizardStep = 5;
            (campaign.TotalCount, campaign.SentCount, campaign.DeliveredCount, campaign.ReadCount, campaign.FailedCount) = (12_000, 9_500, 9_000, 4_200, 310);
            campaign.CreatedAt = campaign.UpdatedAt = DateTimeOffset.UtcNow;
            campaign.StartedAt = DateTimeOffset.UtcNow;
            db.Campaigns.Add(campaign);
            var draft = CampaignTransitionsTests.CampaignIn(CampaignStatus.Draft);
            (draft.Name, draft.AccountId, draft.TemplateId, draft.WizardStep) = ("Narrow draft", template.AccountId, template.Id, 4);
            draft.CreatedAt = draft.UpdatedAt = DateTimeOffset.UtcNow;
            db.Campaigns.Add(draft);
            await db.SaveChangesAsync();
            id = draft.Id;
        }

        await app.RunAsync(nameof(On_a_phone_the_campaign_pages_need_no_sideways_scrolling), async page =>
        {
            await new ShellPage(page).SignInAsync(marketer.Email, marketer.Password);
            foreach (var path in new[] { "/campaigns", "/campaigns?status=running", "/campaigns/new", $"/campaigns/{id}", $"/campaigns/{id}/basics", $"/campaigns/{id}/schedule", $"/campaigns/{id}/review", "/account/settings" })
            {
                await page.GotoAsync(path);
                var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
                overflow.Should().BeLessThanOrEqualTo(0, "{0} should fit a 375 px screen", path);
            }
        }, width: 375, height: 740);
    }
}
