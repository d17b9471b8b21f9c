using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace WhatsAppDashboard.Features.Campaigns;

public enum CampaignSort { Created, Name, Status, Scheduled }

/// <summary>
/// What the campaign list shows: a status tab, a name search, an account, the order and the page. It lives in the
/// query string (<c>?status=running&amp;q=sale&amp;account=2&amp;sort=name&amp;dir=asc&amp;page=2&amp;size=50</c>), so a
/// view can be bookmarked and shared.
/// </summary>
public sealed record CampaignListQuery
{
    public static readonly IReadOnlyList<int> PageSizes = [10, 20, 50];
    public const int DefaultPageSize = 20;

    /// <summary>The tab; null is "All".</summary>
    public CampaignStatus? Status { get; init; }
    public string Search { get; init; } = "";
    public int? AccountId { get; init; }
    public CampaignSort Sort { get; init; } = CampaignSort.Created;
    /// <summary>Newest first by default; names read best A → Z.</summary>
    public bool Descending { get; init; } = true;
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>Builds the query from raw query-string values; anything unknown falls back to the default.</summary>
    public static CampaignListQuery From(string? status, string? q, string? account, string? sort, string? dir, string? page, string? size)
    {
        var sortBy = sort?.Trim().ToLowerInvariant() switch
        {
            "name" => CampaignSort.Name,
            "status" => CampaignSort.Status,
            "scheduled" => CampaignSort.Scheduled,
            _ => CampaignSort.Created,
        };
        var direction = dir?.Trim().ToLowerInvariant();
        return new CampaignListQuery
        {
            Status = Enum.TryParse<CampaignStatus>(status?.Trim(), ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(status, out _) ? s : null,
            Search = (q ?? "").Trim(),
            AccountId = ParseInt(account) is { } id && id > 0 ? id : null,
            Sort = sortBy,
            Descending = direction switch
            {
                "desc" => true,
                "asc" => false,
                _ => DefaultDescending(sortBy),
            },
            Page = ParseInt(page) is { } p && p > 0 ? p : 1,
            PageSize = ParseInt(size) is { } n && PageSizes.Contains(n) ? n : DefaultPageSize,
        };
    }

    /// <summary>Dates read newest first; names, statuses and upcoming times in their natural order.</summary>
    public static bool DefaultDescending(CampaignSort sort) => sort == CampaignSort.Created;

    public static string SortValue(CampaignSort sort) => sort.ToString().ToLowerInvariant();

    public static string StatusValue(CampaignStatus? status) => status?.Describe() ?? "";

    /// <summary>True when the search or the account narrows the list (tabs, paging and sorting do not).</summary>
    public bool IsFiltered => Search.Length > 0 || AccountId is not null;

    /// <summary>The address of this view, with only the parameters that differ from the defaults.</summary>
    public string ToUrl(string path = "/campaigns")
    {
        var parameters = new Dictionary<string, string?>();
        if (Status is not null) parameters["status"] = StatusValue(Status);
        if (Search.Length > 0) parameters["q"] = Search;
        if (AccountId is not null) parameters["account"] = AccountId.Value.ToString(CultureInfo.InvariantCulture);
        if (Sort != CampaignSort.Created) parameters["sort"] = SortValue(Sort);
        if (Descending != DefaultDescending(Sort)) parameters["dir"] = Descending ? "desc" : "asc";
        if (Page > 1) parameters["page"] = Page.ToString(CultureInfo.InvariantCulture);
        if (PageSize != DefaultPageSize) parameters["size"] = PageSize.ToString(CultureInfo.InvariantCulture);
        return QueryHelpers.AddQueryString(path, parameters);
    }

    private static int? ParseInt(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
}
