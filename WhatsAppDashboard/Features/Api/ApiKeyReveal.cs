using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// Carries a just-created key across the redirect after the create form (post → redirect → get), so the page can show
/// it once. The key travels in a cookie encrypted with Data Protection (shared by every instance), readable only by
/// this app, tied to the admin who created it, limited to the keys page, valid for a few minutes, and deleted as soon as
/// the page has shown it. Nothing of the key is stored on the server; a reload shows it no more.
/// </summary>
public sealed class ApiKeyReveal(IDataProtectionProvider dataProtection, IHttpContextAccessor accessor, TimeProvider clock)
{
    public const string CookieName = "wad.new-api-key";
    public const string CookiePath = "/api-keys";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly IDataProtector _protector = dataProtection.CreateProtector("WhatsAppDashboard.ApiKeys.Reveal.v1");

    /// <summary>Remembers <paramref name="key"/> for the next page view of the same user.</summary>
    public void Remember(string name, string key)
    {
        var context = accessor.HttpContext ?? throw new InvalidOperationException("Only within a request.");
        var expiresAt = clock.GetUtcNow() + Lifetime;
        var payload = JsonSerializer.Serialize(new Payload(UserId(context.User), name, key, expiresAt));
        context.Response.Cookies.Append(CookieName, _protector.Protect(payload), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = CookiePath,
            MaxAge = Lifetime,
            IsEssential = true,
        });
    }

    /// <summary>The key created by this user a moment ago, once: the cookie is deleted whatever it held.</summary>
    public (string Name, string Key)? Take()
    {
        var context = accessor.HttpContext;
        if (context?.Request.Cookies[CookieName] is not { Length: > 0 } value)
            return null;
        if (!context.Response.HasStarted)
        {
            context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = CookiePath });
            // The page with the key must not be kept by a browser or proxy cache.
            context.Response.Headers.CacheControl = "no-store";
        }
        try
        {
            var payload = JsonSerializer.Deserialize<Payload>(_protector.Unprotect(value));
            return payload is not null && payload.UserId == UserId(context.User) && payload.ExpiresAt > clock.GetUtcNow()
                ? (payload.Name, payload.Key)
                : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            return null; // Tampered with, or from another deployment's keys: show nothing.
        }
    }

    private static string UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";

    private sealed record Payload(string UserId, string Name, string Key, DateTimeOffset ExpiresAt);
}
