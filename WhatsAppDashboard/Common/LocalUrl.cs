namespace WhatsAppDashboard.Common;

public static class LocalUrl
{
    /// <summary>The given URL if it stays on this site, otherwise the home page (no open redirects).</summary>
    public static string OrHome(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
            ? url
            : "/";
}
