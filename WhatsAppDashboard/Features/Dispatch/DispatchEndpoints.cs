using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using WhatsAppDashboard.Components.Flash;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// The campaign page's action buttons: <c>POST /campaigns/{id}/pause|resume|cancel|retry-failed|retry-unknown</c>,
/// each a form post with the antiforgery token, needing <see cref="Permissions.CampaignsExecute"/>. They answer with a
/// redirect back to the campaign and a flash message saying what happened or why not.
/// </summary>
public static class DispatchEndpoints
{
    public static IEndpointRouteBuilder MapDispatchEndpoints(this IEndpointRouteBuilder app)
    {
        var campaign = app.MapGroup("/campaigns/{id:int}").RequireAuthorization(Permissions.CampaignsExecute);
        // Antiforgery is checked by the handler itself: these forms carry no other field to bind.
        campaign.MapPost("/pause", (int id, HttpContext context, CampaignControl control, CancellationToken ct) =>
            RunAsync(id, context, (actor) => control.PauseAsync(id, actor, ct))).DisableAntiforgery();
        campaign.MapPost("/resume", (int id, HttpContext context, CampaignControl control, CancellationToken ct) =>
            RunAsync(id, context, (actor) => control.ResumeAsync(id, actor, ct))).DisableAntiforgery();
        campaign.MapPost("/cancel", (int id, HttpContext context, CampaignControl control, CancellationToken ct) =>
            RunAsync(id, context, (actor) => control.CancelAsync(id, actor, ct))).DisableAntiforgery();
        campaign.MapPost("/retry-failed", (int id, HttpContext context, CampaignControl control, CancellationToken ct) =>
            RunAsync(id, context, (actor) => control.RetryFailedAsync(id, actor, ct))).DisableAntiforgery();
        campaign.MapPost("/retry-unknown", (int id, HttpContext context, CampaignControl control, CancellationToken ct) =>
            RunAsync(id, context, (actor) => control.RetryUnknownAsync(id, actor, ct))).DisableAntiforgery();
        return app;
    }

    private static async Task<RedirectHttpResult> RunAsync(int id, HttpContext context, Func<string, Task<CampaignActionResult>> action)
    {
        var services = context.RequestServices;
        var flash = services.GetRequiredService<FlashMessages>();
        try
        {
            await services.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            flash.Error("The page had expired, so nothing was done. Try again.");
            return TypedResults.Redirect($"/campaigns/{id}");
        }

        var result = await action(context.User.Identity?.Name ?? "unknown");
        if (result.NotFound)
        {
            flash.Error(result.Message);
            return TypedResults.Redirect("/campaigns");
        }
        if (result.Succeeded)
            flash.Success(result.Message);
        else
            flash.Error(result.Message);
        return TypedResults.Redirect($"/campaigns/{id}");
    }
}
