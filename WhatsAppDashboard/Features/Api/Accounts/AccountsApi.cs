using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Api.Accounts;

/// <summary>An account as the API shows it: never a token, secret or verify token.</summary>
public sealed record AccountResponse(
    int Id, string Name, string PhoneNumberId, string WabaId, string DisplayPhoneNumber,
    int ThroughputPerSecond, bool IsSandbox, bool IsActive, DateTimeOffset CreatedAt, DateTimeOffset? TemplatesSyncedAt);

public static class AccountsApi
{
    public static void MapAccountsApi(this RouteGroupBuilder api)
    {
        // Integrators need account ids to create campaigns, so anyone who may see campaigns may list accounts.
        api.MapGet("/accounts", async (AppDbContext db, CancellationToken ct) =>
                TypedResults.Ok(await db.WhatsAppAccounts.AsNoTracking()
                    .OrderBy(a => a.Name)
                    .Select(a => new AccountResponse(a.Id, a.Name, a.PhoneNumberId, a.WabaId, a.DisplayPhoneNumber,
                        a.ThroughputPerSecond, a.IsSandbox, a.IsActive, a.CreatedAt, a.TemplatesSyncedAt))
                    .ToListAsync(ct)))
            .RequireAuthorization(Permissions.CampaignsView)
            .WithName("ListAccounts")
            .WithSummary("Lists the WhatsApp accounts (without any secret).");
    }
}
