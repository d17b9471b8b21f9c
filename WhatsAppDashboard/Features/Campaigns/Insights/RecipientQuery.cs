using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace WhatsAppDashboard.Features.Campaigns.Insights;

/// <summary>
/// Which recipients of a campaign to list or export: a search on phone or name, one status, and a page. In the
/// query string it reads <c>?q=ana&amp;status=failed&amp;page=2&amp;size=100</c>, so a view can be bookmarked, and the
/// export link carries the same filter.
/// </summary>
public sealed record RecipientQuery
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;
    /// <summary>Longer searches are cut: no phone or name is longer (names hold at most 200 characters).</summary>
    public const int MaxSearchLength = 200;

    /// <summary>The sizes the page offers; any size from 1 to <see cref="MaxPageSize"/> is accepted.</summary>
    public static readonly IReadOnlyList<int> PageSizes = [25, 50, 100];

    /// <summary>Part of a phone number or a name, case-insensitive; null or blank for everyone.</summary>
    public string? Search { get; init; }
    public RecipientStatus? Status { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>The search trimmed (null when blank), the page at least 1 and the size within 1..<see cref="MaxPageSize"/>.</summary>
    public RecipientQuery Normalised()
    {
        var search = Search?.Trim();
        return this with
        {
            Search = string.IsNullOrEmpty(search) ? null : search.Length > MaxSearchLength ? search[..MaxSearchLength] : search,
            Page = Math.Max(1, Page),
            PageSize = Math.Clamp(PageSize, 1, MaxPageSize),
        };
    }

    /// <summary>True when a search or a status narrows the list (paging does not).</summary>
    public bool IsFiltered => !string.IsNullOrWhiteSpace(Search) || Status is not null;

    /// <summary>Builds the query from raw query-string values; anything unreadable falls back to the default.</summary>
    public static RecipientQuery From(string? q, string? status, string? page, string? size) => new RecipientQuery
    {
        Search = q,
        Status = ParseStatus(status),
        Page = ParseInt(page) ?? 1,
        PageSize = ParseInt(size) ?? DefaultPageSize,
    }.Normalised();

    /// <summary>A status by its name in any case (<c>failed</c>, <c>Failed</c>); null for anything else, numbers included.</summary>
    public static RecipientStatus? ParseStatus(string? value) =>
        Enum.TryParse<RecipientStatus>(value?.Trim(), ignoreCase: true, out var status) && Enum.IsDefined(status) && !int.TryParse(value, out _)
            ? status
            : null;

    /// <summary>The status as it appears in addresses and files: <c>failed</c>.</summary>
    public static string StatusValue(RecipientStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The address of this view, with only the parameters that differ from the defaults.</summary>
    public string ToUrl(string path, bool includePaging = true, string? fragment = null)
    {
        var parameters = new Dictionary<string, string?>();
        if (!string.IsNullOrWhiteSpace(Search)) parameters["q"] = Search.Trim();
        if (Status is { } status) parameters["status"] = StatusValue(status);
        if (includePaging && Page > 1) parameters["page"] = Page.ToString(CultureInfo.InvariantCulture);
        if (includePaging && PageSize != DefaultPageSize) parameters["size"] = PageSize.ToString(CultureInfo.InvariantCulture);
        return QueryHelpers.AddQueryString(path, parameters) + (fragment is null ? "" : "#" + fragment);
    }

    private static int? ParseInt(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
}
