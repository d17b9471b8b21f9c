using System.Security.Claims;

namespace WhatsAppDashboard.Features.Auth;

/// <summary>
/// Per-action permissions. Each is also the name of an authorization policy. A signed-in user holds the
/// permissions of their role; an API key (later) carries its own list as claims.
/// </summary>
public static class Permissions
{
    public const string ClaimType = "permission";

    public const string CampaignsView = "Campaigns.View";
    public const string CampaignsCreate = "Campaigns.Create";
    public const string CampaignsEdit = "Campaigns.Edit";
    public const string CampaignsDelete = "Campaigns.Delete";
    public const string CampaignsExecute = "Campaigns.Execute";
    public const string AccountsManage = "Accounts.Manage";
    /// <summary>Browse templates (marketers pick them in the wizard); syncing needs <see cref="TemplatesManage"/>.</summary>
    public const string TemplatesView = "Templates.View";
    public const string TemplatesManage = "Templates.Manage";
    public const string ContactsManage = "Contacts.Manage";
    public const string UsersManage = "Users.Manage";
    public const string ApiKeysManage = "ApiKeys.Manage";

    public static readonly IReadOnlyList<string> All =
    [
        CampaignsView, CampaignsCreate, CampaignsEdit, CampaignsDelete, CampaignsExecute,
        AccountsManage, TemplatesView, TemplatesManage, ContactsManage, UsersManage, ApiKeysManage,
    ];

    private static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> ByRole = new Dictionary<string, IReadOnlySet<string>>
    {
        [Roles.Admin] = All.ToHashSet(),
        [Roles.Marketer] = new HashSet<string>
        {
            CampaignsView, CampaignsCreate, CampaignsEdit, CampaignsDelete, CampaignsExecute, TemplatesView, ContactsManage,
        },
        [Roles.Viewer] = new HashSet<string> { CampaignsView },
    };

    public static IReadOnlySet<string> ForRole(string role) =>
        ByRole.TryGetValue(role, out var permissions) ? permissions : new HashSet<string>();

    public static bool Has(this ClaimsPrincipal user, string permission) =>
        user.Identity?.IsAuthenticated == true
        && (user.HasClaim(ClaimType, permission)
            || user.FindAll(ClaimTypes.Role).Any(role => ForRole(role.Value).Contains(permission)));
}
