using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Components.Flash;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Templates;

public static class TemplatesSetup
{
    public static WebApplicationBuilder AddTemplates(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<TemplateCatalog>();
        builder.Services.AddScoped<TemplateSync>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTemplates(this IEndpointRouteBuilder app)
    {
        // "Sync now" posts here rather than to the templates page: the page is open to Templates.View, syncing
        // needs Templates.Manage, and only this action needs the Cloud API client.
        app.MapPost("/templates/sync/{accountId:int}", async Task<Results<RedirectHttpResult, BadRequest<string>>> (
                int accountId, [FromForm(Name = "returnUrl")] string? returnUrl, HttpContext context, IAntiforgery antiforgery,
                TemplateSync sync, FlashMessages flash, CancellationToken ct) =>
            {
                if (!await antiforgery.IsRequestValidAsync(context))
                    return TypedResults.BadRequest("The form has expired. Reload the page and try again.");
                var result = await sync.SyncAsync(accountId, context.User.Identity?.Name ?? "unknown", ct);
                if (result.Succeeded)
                    flash.Success(Describe(result));
                else
                    flash.Error(result.Error!);
                var back = LocalUrl.OrHome(returnUrl);
                return TypedResults.Redirect(back == "/" ? "/templates" : back);
            })
            .RequireAuthorization(Permissions.TemplatesManage)
            .DisableAntiforgery();
        return app;
    }

    private static string Describe(TemplateSyncResult result)
    {
        var text = $"Synced {result.AccountName}: {result.Listed} template{(result.Listed == 1 ? "" : "s")} at Meta";
        var parts = new List<string>();
        if (result.Added > 0)
            parts.Add($"{result.Added} new");
        if (result.Updated > 0)
            parts.Add($"{result.Updated} changed");
        if (result.Removed > 0)
            parts.Add($"{result.Removed} no longer at Meta");
        return text + (parts.Count > 0 ? " (" + string.Join(", ", parts) + ")." : ", nothing changed.");
    }
}
