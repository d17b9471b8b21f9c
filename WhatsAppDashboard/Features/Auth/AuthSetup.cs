using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Auth;

public static class AuthSetup
{
    public const string LoginPath = "/account/login";
    public const string AccessDeniedPath = "/account/access-denied";

    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddIdentity<AppUser, IdentityRole>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 10;
                options.Password.RequiredUniqueChars = 4;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager<AppSignInManager>()
            .AddClaimsPrincipalFactory<AppUserClaimsFactory>()
            .AddDefaultTokenProviders();

        // Role changes and disabling reach open sessions within this interval.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromSeconds(30));

        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = LoginPath;
            options.AccessDeniedPath = AccessDeniedPath;
            options.Cookie.Name = "wad.auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromHours(12);
            options.SlidingExpiration = true;
            // Machines (API, health, hub) get status codes, people get pages.
            options.Events.OnRedirectToLogin = context => RedirectOrStatus(context.HttpContext, context.RedirectUri, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context.HttpContext, context.RedirectUri, StatusCodes.Status403Forbidden);
        });

        builder.Services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        var authorization = builder.Services.AddAuthorizationBuilder()
            // Every endpoint needs a signed-in user unless it says [AllowAnonymous].
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        foreach (var permission in Permissions.All)
            authorization.AddPolicy(permission, policy => policy.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));

        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHttpContextAccessor();
        return builder;
    }

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/logout", async Task<Results<RedirectHttpResult, BadRequest<string>>> (
                HttpContext context, IAntiforgery antiforgery, SignInManager<AppUser> signIn) =>
            {
                // Without the token a third-party page could sign people out.
                if (!await antiforgery.IsRequestValidAsync(context))
                    return TypedResults.BadRequest("The sign-out form has expired. Reload the page and try again.");
                await signIn.SignOutAsync();
                return TypedResults.Redirect(LoginPath);
            })
            .RequireAuthorization()
            .DisableAntiforgery();
        return app;
    }

    private static Task RedirectOrStatus(HttpContext context, string redirectUri, int status)
    {
        if (IsMachineRequest(context.Request))
            context.Response.StatusCode = status;
        else
            context.Response.Redirect(redirectUri);
        return Task.CompletedTask;
    }

    private static bool IsMachineRequest(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs")
        || request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);
}

public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

public sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.Has(requirement.Permission))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
