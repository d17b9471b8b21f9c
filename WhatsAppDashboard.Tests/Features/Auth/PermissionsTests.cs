using System.Security.Claims;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Tests.Features.Auth;

public sealed class PermissionsTests
{
    private static ClaimsPrincipal UserWith(params Claim[] claims) => new(new ClaimsIdentity(claims, "test"));

    [Fact]
    public void Roles_grant_their_permissions_and_nothing_more()
    {
        var viewer = UserWith(new Claim(ClaimTypes.Role, Roles.Viewer));
        viewer.Has(Permissions.CampaignsView).Should().BeTrue();
        viewer.Has(Permissions.CampaignsCreate).Should().BeFalse();
        viewer.Has(Permissions.ContactsManage).Should().BeFalse();

        var marketer = UserWith(new Claim(ClaimTypes.Role, Roles.Marketer));
        marketer.Has(Permissions.CampaignsExecute).Should().BeTrue();
        marketer.Has(Permissions.ContactsManage).Should().BeTrue();
        marketer.Has(Permissions.TemplatesManage).Should().BeFalse();
        marketer.Has(Permissions.UsersManage).Should().BeFalse();
        marketer.Has(Permissions.AccountsManage).Should().BeFalse();

        var admin = UserWith(new Claim(ClaimTypes.Role, Roles.Admin));
        Permissions.All.Should().OnlyContain(p => admin.Has(p));
    }

    [Fact]
    public void An_explicit_permission_claim_counts_as_held()
    {
        // API keys carry permissions as claims rather than a role.
        UserWith(new Claim(Permissions.ClaimType, Permissions.CampaignsCreate)).Has(Permissions.CampaignsCreate).Should().BeTrue();
        UserWith(new Claim(Permissions.ClaimType, Permissions.CampaignsCreate)).Has(Permissions.CampaignsDelete).Should().BeFalse();
    }

    [Fact]
    public void Anonymous_and_unknown_roles_hold_nothing()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, Roles.Admin)]));
        anonymous.Has(Permissions.CampaignsView).Should().BeFalse("an unauthenticated identity holds nothing, whatever it claims");
        UserWith(new Claim(ClaimTypes.Role, "Root")).Has(Permissions.CampaignsView).Should().BeFalse();
    }
}
