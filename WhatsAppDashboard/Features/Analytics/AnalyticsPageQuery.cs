using System.Globalization;

namespace WhatsAppDashboard.Features.Analytics;

/// <summary>
/// The analytics page's address (<c>range</c> = 7, 30, 90 or custom with <c>from</c>/<c>to</c> — dates that differ from the
/// preset's also make a custom range —, <c>account</c>,
/// <c>sort</c>, <c>dir</c>) read into a query. Anything unusable falls back to the last 30 days with a message saying
/// why, so a hand-edited link still shows something sensible.
/// </summary>
public sealed record AnalyticsPageQuery(AnalyticsQuery Query, string Range, string? Problem)
{
    public const string Custom = "custom";
    public const int DefaultDays = 30;

    public static AnalyticsPageQuery From(string? range, string? from, string? to, string? account, string? sort, string? dir,
        DateTimeOffset now, TimeZoneInfo zone)
    {
        int? accountId = int.TryParse(account, NumberStyles.None, CultureInfo.InvariantCulture, out var a) && a > 0 ? a : null;
        var sortBy = Enum.TryParse<CampaignFigureSort>(sort, ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(sort, out _)
            ? s : CampaignFigureSort.Started;
        var descending = !string.Equals(dir, "asc", StringComparison.OrdinalIgnoreCase);
        AnalyticsQuery Fallback() => AnalyticsQuery.LastDays(DefaultDays, now, zone, accountId) with { Sort = sortBy, Descending = descending };

        var days = int.TryParse(range, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && AnalyticsQuery.PresetDays.Contains(d) ? d : DefaultDays;
        var preset = AnalyticsQuery.LastDays(days, now, zone, accountId) with { Sort = sortBy, Descending = descending };
        // The form always sends the dates: dates changed by hand win over the preset they were filled from.
        var datesChanged = TryDay(from, out var f) && TryDay(to, out var t) && (f != preset.From || t != preset.To);
        var wantsCustom = string.Equals(range, Custom, StringComparison.OrdinalIgnoreCase) || datesChanged
            || (string.IsNullOrEmpty(range) && (!string.IsNullOrEmpty(from) || !string.IsNullOrEmpty(to)));
        if (wantsCustom)
        {
            if (!TryDay(from, out var start) || !TryDay(to, out var end))
                return new(Fallback(), DefaultDays.ToString(CultureInfo.InvariantCulture), "Choose both dates of the custom range (from and to). Showing the last 30 days instead.");
            if (end < start)
                return new(Fallback(), DefaultDays.ToString(CultureInfo.InvariantCulture), "The range ends before it starts. Showing the last 30 days instead.");
            if (end.DayNumber - start.DayNumber + 1 > AnalyticsQuery.MaxDays)
                return new(Fallback(), DefaultDays.ToString(CultureInfo.InvariantCulture), $"A range can cover at most {AnalyticsQuery.MaxDays} days. Showing the last 30 days instead.");
            return new(new AnalyticsQuery(start, end, zone, accountId, sortBy, descending), Custom, null);
        }
        return new(preset, days.ToString(CultureInfo.InvariantCulture), null);
    }

    private static bool TryDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>The address of this page with some parts changed.</summary>
    public string Url(string? range = null, int? accountId = -1, CampaignFigureSort? sort = null, bool? descending = null)
    {
        var r = range ?? Range;
        var parts = new List<string> { "range=" + Uri.EscapeDataString(r) };
        if (r == Custom)
        {
            parts.Add("from=" + AnalyticsQuery.Iso(Query.From));
            parts.Add("to=" + AnalyticsQuery.Iso(Query.To));
        }
        var account = accountId == -1 ? Query.AccountId : accountId;
        if (account is { } id)
            parts.Add("account=" + id.ToString(CultureInfo.InvariantCulture));
        var sortBy = sort ?? Query.Sort;
        var desc = descending ?? Query.Descending;
        if (sortBy != CampaignFigureSort.Started || !desc)
        {
            parts.Add("sort=" + sortBy.ToString().ToLowerInvariant());
            parts.Add("dir=" + (desc ? "desc" : "asc"));
        }
        return "/analytics?" + string.Join("&", parts);
    }
}
