using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Claims;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Common;

/// <summary>
/// IANA time zones: the list people choose from, validation of a chosen id, and showing instants in a person's zone
/// (the <c>time_zone</c> claim of their sign-in).
/// </summary>
public static class TimeZones
{
    public const string Utc = "UTC";

    private static readonly Lazy<IReadOnlyList<string>> AllIds = new(() =>
        TimeZoneInfo.GetSystemTimeZones().Where(z => z.HasIanaId).Select(z => z.Id)
            .Append(Utc).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());

    /// <summary>Every IANA zone this machine knows, sorted by id.</summary>
    public static IReadOnlyList<string> Ids => AllIds.Value;

    /// <summary>The zone with this IANA id (aliases such as <c>US/Eastern</c> included); Windows ids are refused.</summary>
    public static bool TryFind(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
            return false;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var found) || !found.HasIanaId)
            return false;
        zone = found;
        return true;
    }

    public static TimeZoneInfo FindOrUtc(string? id) => TryFind(id, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The signed-in person's zone, UTC when the claim is missing or no longer valid.</summary>
    public static TimeZoneInfo Of(ClaimsPrincipal user) => FindOrUtc(user.FindFirst(AppUserClaimsFactory.TimeZoneClaim)?.Value);

    /// <summary>An instant as the wall-clock time in <paramref name="zone"/>, for example <c>2026-11-21 14:05</c>.</summary>
    public static string Format(DateTimeOffset at, TimeZoneInfo zone, string format = "yyyy-MM-dd HH:mm") =>
        TimeZoneInfo.ConvertTime(at, zone).ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The zone's offset from UTC at <paramref name="at"/>, as <c>UTC+05:30</c>.</summary>
    public static string OffsetLabel(TimeZoneInfo zone, DateTimeOffset at)
    {
        var offset = zone.GetUtcOffset(at);
        return offset == TimeSpan.Zero ? "UTC" : $"UTC{(offset < TimeSpan.Zero ? "-" : "+")}{offset:hh\\:mm}";
    }
}
