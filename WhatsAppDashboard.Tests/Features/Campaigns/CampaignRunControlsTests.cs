using AngleSharp.Html.Dom;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>The campaign page offers pause, resume and retries as the status allows, and they work from the page.</summary>
public sealed class CampaignRunControlsTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static IReadOnlyList<string?> Controls(AngleSharp.Dom.IDocument page) =>
        page.QuerySelectorAll("[data-testid=run-controls] button").Select(b => b.GetAttribute("data-action")).ToList();

    [Fact]
    public async Task A_running_campaign_can_be_paused_and_then_resumed_from_its_page()
    {
        var id = await app.AddCampaignAsync("Pause me", status: CampaignStatus.Running);
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);

        var page = await client.GetPageAsync($"/campaigns/{id}");
        Controls(page).Should().Equal("pause");
        var pause = (IHtmlFormElement)page.QuerySelector("[data-action=pause]")!.Closest("form")!;
        var paused = await client.FollowAsync(await client.SubmitAsync(pause));

        paused.FlashTexts().Should().ContainSingle().Which.Should().Contain("paused");
        (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Paused);
        Controls(paused).Should().Equal("resume");

        var resume = (IHtmlFormElement)paused.QuerySelector("[data-action=resume]")!.Closest("form")!;
        await client.FollowAsync(await client.SubmitAsync(resume));
        (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Running);
    }

    [Fact]
    public async Task Retry_failed_is_offered_only_when_something_failed_and_never_to_a_viewer()
    {
        var clean = await app.AddCampaignAsync("Nothing failed", status: CampaignStatus.Completed);
        var failed = await app.AddCampaignAsync("Some failed", status: CampaignStatus.Completed, configure: c => c.FailedCount = 3);
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);

        Controls(await marketer.GetPageAsync($"/campaigns/{clean}")).Should().BeEmpty();
        Controls(await marketer.GetPageAsync($"/campaigns/{failed}")).Should().Equal("retry-failed");
        Controls(await viewer.GetPageAsync($"/campaigns/{failed}")).Should().BeEmpty("a viewer may not execute campaigns");
    }
}
