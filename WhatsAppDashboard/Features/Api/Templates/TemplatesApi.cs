using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns.Rendering;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Api.Templates;

/// <summary>A value a campaign must map for this template: <see cref="Key"/> is the key of <c>parameterMappings</c>.</summary>
public sealed record TemplateParameterResponse(string Key, string Label, string? Sample);

/// <summary>A synced template. <see cref="Components"/> is Meta's <c>components</c> array as stored.</summary>
public sealed record TemplateResponse(
    int Id, int AccountId, string AccountName, string MetaTemplateId, string Name, string Language, string Category, string Status,
    bool IsSendable, string ParameterFormat, IReadOnlyList<TemplateParameterResponse> Parameters, JsonElement Components,
    DateTimeOffset SyncedAt);

/// <summary>What a sync did: templates Meta listed that were new, changed or the same, and those no longer listed.</summary>
public sealed record TemplateSyncResponse(
    int AccountId, string AccountName, int Listed, int Added, int Updated, int Unchanged, int Removed, DateTimeOffset SyncedAt);

public static class TemplatesApi
{
    public static void MapTemplatesApi(this RouteGroupBuilder api)
    {
        // Integrators need template ids (and their parameter keys) to create campaigns, so a key that may create or
        // view campaigns may list templates, as may one with Templates.View. Templates hold no secrets.
        api.MapGet("/templates", ListAsync)
            .RequireAuthorization(new AuthorizationPolicyBuilder()
                .RequireAssertion(c => c.User.Has(Permissions.TemplatesView) || c.User.Has(Permissions.CampaignsView) || c.User.Has(Permissions.CampaignsCreate))
                .Build())
            .WithName("ListTemplates")
            .WithSummary("Lists synced templates, optionally of one account and with one status (APPROVED, PENDING, …).")
            .WithDescription("Needs Templates.View, Campaigns.View or Campaigns.Create. Only APPROVED templates can be sent; `parameters` lists the keys a campaign's parameterMappings must supply.")
            .DescribeQuery(("accountId", "Only this account's templates.", true), ("status", "Only templates with this status, such as APPROVED.", false))
            .Produces<List<TemplateResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/templates/sync", SyncAsync)
            .RequireAuthorization(Permissions.TemplatesManage)
            .WithName("SyncTemplates")
            .WithSummary("Fetches the account's templates from Meta (or the sandbox) and stores them.")
            .WithDescription("Needs Templates.Manage. Templates Meta no longer lists are kept with status DELETED.")
            .DescribeQuery(("accountId", "The account whose templates to sync (required).", true))
            .Produces<TemplateSyncResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);
    }

    private static async Task<IResult> ListAsync(string? accountId, string? status, AppDbContext db, TemplateCatalog catalog, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var account = ApiQuery.Id(accountId, "accountId", errors);
        var statusFilter = string.IsNullOrWhiteSpace(status) ? null : status.Trim().ToUpperInvariant();
        if (statusFilter is not null && !statusFilter.All(c => char.IsAsciiLetterUpper(c) || c == '_'))
            errors["status"] = ["Use a template status such as APPROVED, PENDING or REJECTED."];
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);
        if (account is { } id && !await db.WhatsAppAccounts.AnyAsync(a => a.Id == id, ct))
            return ApiProblems.NotFound($"There is no account {id}.");

        var rows = await catalog.ListAsync(new TemplateFilter(account, statusFilter, null, null), ct);
        var ids = rows.Select(r => r.Id).ToList();
        var templates = await db.WhatsAppTemplates.AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        return TypedResults.Ok(rows.Select(row => ToResponse(row, templates[row.Id])).ToList());
    }

    private static async Task<IResult> SyncAsync(string? accountId, HttpContext context, AppDbContext db, TemplateSync sync, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var account = ApiQuery.Id(accountId, "accountId", errors);
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);
        if (account is not { } id)
            return ApiProblems.Validation("accountId", "Name the account whose templates to sync: ?accountId=…");
        var stored = await db.WhatsAppAccounts.AsNoTracking().Where(a => a.Id == id).Select(a => new { a.Name, a.IsActive }).FirstOrDefaultAsync(ct);
        if (stored is null)
            return ApiProblems.NotFound($"There is no account {id}.");
        if (!stored.IsActive)
            return ApiProblems.Conflict($"{stored.Name} is deactivated: reactivate it before syncing its templates.");

        var result = await sync.SyncAsync(id, context.User.Identity?.Name ?? "API key", ct);
        if (!result.Succeeded)
        {
            // The account exists and is active, so what is left is Meta (or its settings) refusing.
            return TypedResults.Problem(ApiProblems.Details(StatusCodes.Status502BadGateway, "The Cloud API refused", result.Error!));
        }
        var syncedAt = await db.WhatsAppAccounts.Where(a => a.Id == id).Select(a => a.TemplatesSyncedAt).SingleAsync(ct);
        return TypedResults.Ok(new TemplateSyncResponse(id, result.AccountName, result.Listed, result.Added, result.Updated, result.Unchanged,
            result.Removed, syncedAt ?? DateTimeOffset.MinValue));
    }

    private static TemplateResponse ToResponse(TemplateRow row, WhatsAppTemplate template)
    {
        var parameters = ParameterSlots.Of(TemplateDefinition.Parse(template))
            .Select(slot => new TemplateParameterResponse(slot.Key, slot.Label, slot.Sample))
            .ToList();
        using var components = JsonDocument.Parse(string.IsNullOrWhiteSpace(template.ComponentsJson) ? "[]" : template.ComponentsJson);
        return new TemplateResponse(row.Id, row.AccountId, row.AccountName, template.MetaTemplateId, row.Name, row.Language, row.Category,
            row.Status, template.IsSendable, template.ParameterFormat, parameters, components.RootElement.Clone(), row.SyncedAt);
    }
}
