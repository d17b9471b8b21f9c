using WhatsAppDashboard.Features.Campaigns;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Campaign.MoveTo over every pair of statuses, against the lifecycle as PRODUCT.md states it.</summary>
public sealed class CampaignTransitionsTests
{
    /// <summary>draft → scheduled → running ⇄ paused → completed; failed when it cannot start or the account is unusable;
    /// cancelled from draft/scheduled/running/paused. A draft can also be run at once, and a schedule can change.</summary>
    private static readonly HashSet<(CampaignStatus From, CampaignStatus To)> Allowed =
    [
        (CampaignStatus.Draft, CampaignStatus.Scheduled),
        (CampaignStatus.Draft, CampaignStatus.Running),
        (CampaignStatus.Draft, CampaignStatus.Failed),
        (CampaignStatus.Draft, CampaignStatus.Cancelled),
        (CampaignStatus.Scheduled, CampaignStatus.Scheduled),
        (CampaignStatus.Scheduled, CampaignStatus.Running),
        (CampaignStatus.Scheduled, CampaignStatus.Failed),
        (CampaignStatus.Scheduled, CampaignStatus.Cancelled),
        (CampaignStatus.Running, CampaignStatus.Paused),
        (CampaignStatus.Running, CampaignStatus.Completed),
        // A recurring series completes from scheduled after its last occurrence.
        (CampaignStatus.Scheduled, CampaignStatus.Completed),
        (CampaignStatus.Running, CampaignStatus.Failed),
        (CampaignStatus.Running, CampaignStatus.Cancelled),
        (CampaignStatus.Paused, CampaignStatus.Running),
        (CampaignStatus.Paused, CampaignStatus.Failed),
        (CampaignStatus.Paused, CampaignStatus.Cancelled),
    ];

    public static TheoryData<CampaignStatus, CampaignStatus> EveryPair()
    {
        var data = new TheoryData<CampaignStatus, CampaignStatus>();
        foreach (var from in Enum.GetValues<CampaignStatus>())
            foreach (var to in Enum.GetValues<CampaignStatus>())
                data.Add(from, to);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void A_move_happens_exactly_when_the_lifecycle_allows_it(CampaignStatus from, CampaignStatus to)
    {
        var campaign = CampaignIn(from);

        var move = () => campaign.MoveTo(to);

        if (Allowed.Contains((from, to)))
        {
            move.Should().NotThrow();
            campaign.Status.Should().Be(to);
        }
        else
        {
            move.Should().Throw<CampaignStateException>().Which.Message.Should().Be(CampaignTransitions.RefusalFor(from, to)).And.NotBeNullOrWhiteSpace();
            campaign.Status.Should().Be(from, "a refused move changes nothing");
        }
        CampaignTransitions.SourcesOf(to).Contains(from).Should().Be(Allowed.Contains((from, to)), "the guarded update uses the same table");
    }

    [Fact]
    public void Refusals_say_why_in_words()
    {
        CampaignTransitions.RefusalFor(CampaignStatus.Running, CampaignStatus.Running).Should().Be("The campaign is already running.");
        CampaignTransitions.RefusalFor(CampaignStatus.Completed, CampaignStatus.Running).Should().Be("The campaign is completed: copy it to send again.");
        CampaignTransitions.RefusalFor(CampaignStatus.Cancelled, CampaignStatus.Cancelled).Should().Contain("can no longer be cancelled");
        CampaignTransitions.RefusalFor(CampaignStatus.Draft, CampaignStatus.Paused).Should().Contain("Only a running campaign can be paused");
    }

    [Theory]
    [InlineData(CampaignStatus.Draft, true, true)]
    [InlineData(CampaignStatus.Scheduled, true, true)]
    [InlineData(CampaignStatus.Running, false, false)]
    [InlineData(CampaignStatus.Paused, false, true)]
    [InlineData(CampaignStatus.Completed, false, true)]
    [InlineData(CampaignStatus.Failed, false, true)]
    [InlineData(CampaignStatus.Cancelled, false, true)]
    public void Only_drafts_and_scheduled_campaigns_can_be_edited_and_only_running_ones_cannot_be_deleted(CampaignStatus status, bool canEdit, bool canDelete)
    {
        var campaign = CampaignIn(status);

        campaign.CanEdit.Should().Be(canEdit);
        campaign.CanDelete.Should().Be(canDelete);
        var ensure = () => campaign.EnsureEditable();
        if (canEdit)
            ensure.Should().NotThrow();
        else
            ensure.Should().Throw<CampaignStateException>().WithMessage($"The campaign is {status.Describe()}*");
    }

    /// <summary>A campaign brought to <paramref name="status"/> through allowed moves only.</summary>
    internal static Campaign CampaignIn(CampaignStatus status)
    {
        var campaign = new Campaign { Name = "Lifecycle" };
        CampaignStatus[] path = status switch
        {
            CampaignStatus.Draft => [],
            CampaignStatus.Scheduled => [CampaignStatus.Scheduled],
            CampaignStatus.Running => [CampaignStatus.Running],
            CampaignStatus.Paused => [CampaignStatus.Running, CampaignStatus.Paused],
            CampaignStatus.Completed => [CampaignStatus.Running, CampaignStatus.Completed],
            CampaignStatus.Failed => [CampaignStatus.Failed],
            _ => [CampaignStatus.Cancelled],
        };
        foreach (var step in path)
            campaign.MoveTo(step);
        return campaign;
    }
}
