namespace WhatsAppDashboard.Components;

/// <summary>The light/dark choice lives in a cookie set by <c>wwwroot/js/site.js</c>.</summary>
public static class ThemePreference
{
    public const string CookieName = "wad.theme";

    public static string FromRequest(HttpRequest request) =>
        request.Cookies[CookieName] == "dark" ? "dark" : "light";
}
