using System.Text;
using System.Text.Json;

namespace WhatsAppDashboard.Components.Flash;

public enum FlashKind { Success, Info, Warning, Error }

public sealed record FlashMessage(FlashKind Kind, string Text);

/// <summary>
/// Messages that survive one redirect (post → redirect → get), carried in a short-lived cookie and shown
/// as toasts by <see cref="FlashToasts"/> on the next page.
/// </summary>
public sealed class FlashMessages(IHttpContextAccessor accessor)
{
    public const string CookieName = "wad.flash";
    private readonly List<FlashMessage> _outgoing = [];
    private IReadOnlyList<FlashMessage>? _incoming;

    public void Success(string text) => Add(FlashKind.Success, text);
    public void Info(string text) => Add(FlashKind.Info, text);
    public void Warning(string text) => Add(FlashKind.Warning, text);
    public void Error(string text) => Add(FlashKind.Error, text);

    /// <summary>Messages carried in by this request, consumed once.</summary>
    public IReadOnlyList<FlashMessage> TakeIncoming()
    {
        if (_incoming is not null)
            return _incoming;
        var context = accessor.HttpContext;
        _incoming = context is null ? [] : Decode(context.Request.Cookies[CookieName]);
        if (_incoming.Count > 0 && _outgoing.Count == 0 && context is not null && !context.Response.HasStarted)
            context.Response.Cookies.Delete(CookieName);
        return _incoming;
    }

    /// <summary>Longer texts are cut: the cookie must stay under the 4 KB browsers keep, or the message is lost.</summary>
    public const int MaxTextLength = 400;

    private void Add(FlashKind kind, string text)
    {
        if (text.Length > MaxTextLength)
        {
            var cut = MaxTextLength - 1;
            if (char.IsHighSurrogate(text[cut - 1]))
                cut--; // Never half a character.
            text = text[..cut] + "…";
        }
        _outgoing.Add(new FlashMessage(kind, text));
        var context = accessor.HttpContext;
        if (context is null || context.Response.HasStarted)
            return;
        context.Response.Cookies.Append(CookieName, Encode(_outgoing), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            MaxAge = TimeSpan.FromMinutes(2),
            Path = "/",
        });
    }

    private static string Encode(IEnumerable<FlashMessage> messages) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(messages)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IReadOnlyList<FlashMessage> Decode(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return [];
        try
        {
            var base64 = value.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var messages = JsonSerializer.Deserialize<List<FlashMessage>>(Convert.FromBase64String(base64));
            return messages?.Where(m => !string.IsNullOrWhiteSpace(m.Text)).Take(5).ToList() ?? [];
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return []; // A tampered cookie shows nothing rather than failing the page.
        }
    }
}
