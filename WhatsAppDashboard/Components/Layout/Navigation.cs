using System.Security.Claims;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Components.Layout;

/// <summary>One section of the sidebar; shown only to users holding <see cref="Permission"/> (null: any signed-in user).</summary>
public sealed record NavSection(string Title, string Href, string Icon, string? Permission);

public static class Navigation
{
    public static readonly IReadOnlyList<NavSection> Sections =
    [
        new("Dashboard", "/", "bi-speedometer2", null),
        new("Campaigns", "/campaigns", "bi-megaphone", Permissions.CampaignsView),
        new("Contacts", "/contacts", "bi-person-lines-fill", Permissions.ContactsManage),
        new("Templates", "/templates", "bi-card-text", Permissions.TemplatesView),
        new("Accounts", "/accounts", "bi-telephone", Permissions.AccountsManage),
        new("Analytics", "/analytics", "bi-graph-up", Permissions.CampaignsView),
        new("Users", "/users", "bi-people", Permissions.UsersManage),
        new("API keys", "/api-keys", "bi-key", Permissions.ApiKeysManage),
    ];

    public static IEnumerable<NavSection> VisibleTo(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true
            ? Sections.Where(s => s.Permission is null || user.Has(s.Permission))
            : [];
}
