using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using WhatsAppDashboard.Components.Flash;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Accounts;

public static class AccountsSetup
{
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AccountSecrets>();
        builder.Services.AddSingleton<AccountChanges>();
        builder.Services.AddSingleton<CloudApiTargets>();
        builder.Services.AddScoped<AccountAdministration>();
        builder.Services.AddScoped<AccountConnectionCheck>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        // A plain endpoint rather than a page handler: it calls Meta, and only this action needs the API client.
        app.MapPost("/accounts/{id:int}/test-connection", async Task<Results<RedirectHttpResult, BadRequest<string>>> (
                int id, HttpContext context, IAntiforgery antiforgery, AccountConnectionCheck check, FlashMessages flash,
                CancellationToken ct) =>
            {
                if (!await antiforgery.IsRequestValidAsync(context))
                    return TypedResults.BadRequest("The form has expired. Reload the page and try again.");
                var outcome = await check.RunAsync(id, ct);
                if (!outcome.AccountFound)
                {
                    flash.Error(outcome.Summary);
                    return TypedResults.Redirect("/accounts");
                }
                if (outcome.Succeeded)
                    flash.Success("Connected: " + outcome.Summary);
                else
                    flash.Error("Connection failed: " + outcome.Summary);
                return TypedResults.Redirect($"/accounts/{id}");
            })
            .RequireAuthorization(Permissions.AccountsManage)
            .DisableAntiforgery();
        return app;
    }
}
