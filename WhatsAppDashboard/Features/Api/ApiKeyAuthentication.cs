using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// Authenticates <c>X-API-Key</c> requests. The principal carries the key's permissions as <c>permission</c>
/// claims, so the same policies guard pages and the API. Never reads the key from the query string, where it
/// would end up in logs.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AppDbContext db,
    TimeProvider clock,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "api_key_id";

    /// <summary>How stale "last used" may get; keeps busy keys from writing on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyTokens.HeaderName, out var values))
            return AuthenticateResult.NoResult();
        var presented = values.ToString().Trim();
        if (!ApiKeyTokens.LooksLikeKey(presented))
            return AuthenticateResult.Fail("The API key is not valid.");

        var hash = ApiKeyTokens.Hash(presented);
        var key = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash)
            .Select(k => new { k.Id, k.Name, k.Prefix, k.Permissions, k.RevokedAt, k.LastUsedAt })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (key is null || key.RevokedAt is not null)
            return AuthenticateResult.Fail("The API key is not valid or has been revoked.");

        var now = clock.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, $"api-key:{key.Id}"),
            new(ClaimTypes.Name, $"API key {key.Name} ({key.Prefix})"),
            new(KeyIdClaim, key.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        claims.AddRange(key.Permissions.Select(p => new Claim(Permissions.ClaimType, p)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{ApiKeyTokens.HeaderName}\"";
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = ApiProblems.Details(StatusCodes.Status401Unauthorized, "Unauthorized",
                failure ?? $"Send a valid API key in the {ApiKeyTokens.HeaderName} header."),
        });
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = ApiProblems.Details(StatusCodes.Status403Forbidden, "Forbidden",
                "This API key does not have the permission this request needs."),
        }).AsTask();
    }
}
