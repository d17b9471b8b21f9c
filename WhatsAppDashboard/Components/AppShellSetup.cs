using WhatsAppDashboard.Components.Flash;

namespace WhatsAppDashboard.Components;

/// <summary>The web shell: Razor components rendered statically on the server, error pages, static files.</summary>
public static class AppShellSetup
{
    public static WebApplicationBuilder AddAppShell(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "wad.antiforgery");
        builder.Services.AddScoped<FlashMessages>();
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static WebApplication UseAppShell(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            // A friendly page with a request id; the stack trace goes to the log, never to the browser.
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        // People get a page for 403/404/…; the API answers with problem details of its own, the hubs with bare codes.
        // Only GET/HEAD are re-executed: a page cannot answer a re-executed POST (it would expect a form).
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/hubs")
                && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)),
            branch => branch.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true));
        app.UseStaticFiles();
        // Explicitly after the status-code pages, so their re-executed request is routed again.
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapAppShell(this WebApplication app)
    {
        app.MapRazorComponents<App>();
        return app;
    }
}
