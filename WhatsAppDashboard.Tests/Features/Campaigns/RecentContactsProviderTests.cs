using System.Globalization;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Tests.Features.Contacts;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>The named audience that ships with the app, on a database of its own (every contact counts here).</summary>
public sealed class RecentContactsProviderTests(AudienceAppFactory app) : IClassFixture<AudienceAppFactory>
{
    [Fact]
    public async Task Contacts_added_in_the_last_30_days_by_the_apps_clock_are_the_audience()
    {
        // The app's clock runs ahead of the wall clock, so "30 days" must be counted from the app's now.
        var appNow = DateTimeOffset.UtcNow + ContactsAppFactory.ClockShift;
        await app.AddContactAsync("+447700800001", "Yesterday", createdAt: appNow.AddDays(-1), attributes: new() { ["city"] = "Leeds" });
        await app.AddContactAsync("+447700800002", "Four weeks", createdAt: appNow.AddDays(-29));
        await app.AddContactAsync("+447700800003", "Too old", createdAt: appNow.AddDays(-31));
        await app.AddContactAsync("+447700800004", "Old by the app's clock", createdAt: DateTimeOffset.UtcNow.AddDays(-28));
        await app.AddContactAsync("+447700800005", "Opted out", createdAt: appNow.AddDays(-2), optedOut: true);
        await app.AddContactAsync("+447700800006", "Blocked", createdAt: appNow.AddDays(-2), blocked: true);
        await app.AddContactAsync("+447700800007", "Inactive", createdAt: appNow.AddDays(-2), active: false);
        var spec = new AudienceSpec(0, AudienceKind.Named, new AudienceSettings { ProviderKey = RecentContactsProvider.Key }, null);

        var members = await app.ResolveAsync(spec);

        members.Select(m => m.Name).Should().Equal("Four weeks", "Yesterday");
        members[1].Fields.Should().Contain("city", "Leeds").And.Contain(
            "added_on", appNow.AddDays(-1).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        (await app.CountAsync(spec)).Should().Be(new AudienceCount(2, 0, 0));

        var campaignId = await app.CreateCampaignAsync(await app.CreateTemplateAsync("""[{"type":"BODY","text":"Welcome {{1}}"}]"""));
        var (client, _) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync($"/campaigns/{campaignId}/audience?kind=named");
        var counted = await client.SubmitAsync(page.Form("audience"),
            new Dictionary<string, string> { ["Form.ProviderKey"] = RecentContactsProvider.Key }, ("Form.Command", "count"));
        (await counted.ReadHtmlAsync()).Text("audience-size").Should().Be("2 recipients; 0 opted out and 0 blocked excluded.");
    }
}
