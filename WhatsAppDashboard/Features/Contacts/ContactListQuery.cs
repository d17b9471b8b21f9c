using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace WhatsAppDashboard.Features.Contacts;

public enum ContactStatusFilter { All, Active, OptedOut, Blocked, Inactive }

public enum ContactSort { Name, Phone, Created }

/// <summary>
/// What the contacts list shows: search, label, status, sorting and paging. It lives in the query string
/// (<c>?q=ann&amp;label=vip&amp;status=opted-out&amp;sort=created&amp;dir=desc&amp;page=2&amp;size=50</c>), so a
/// filtered list can be bookmarked and shared, and the export takes the same parameters.
/// </summary>
public sealed record ContactListQuery
{
    public static readonly IReadOnlyList<int> PageSizes = [20, 50, 100];
    public const int DefaultPageSize = 50;

    public string Search { get; init; } = "";
    /// <summary>A label name, or "" for any.</summary>
    public string Label { get; init; } = "";
    public ContactStatusFilter Status { get; init; } = ContactStatusFilter.All;
    public ContactSort Sort { get; init; } = ContactSort.Name;
    public bool Descending { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>Builds the query from raw query-string values; anything unknown falls back to the default.</summary>
    public static ContactListQuery From(string? q, string? label, string? status, string? sort, string? dir, int? page, int? size) => new()
    {
        Search = (q ?? "").Trim(),
        Label = (label ?? "").Trim().ToLowerInvariant(),
        Status = status?.Trim().ToLowerInvariant() switch
        {
            "active" => ContactStatusFilter.Active,
            "opted-out" => ContactStatusFilter.OptedOut,
            "blocked" => ContactStatusFilter.Blocked,
            "inactive" => ContactStatusFilter.Inactive,
            _ => ContactStatusFilter.All,
        },
        Sort = sort?.Trim().ToLowerInvariant() switch
        {
            "phone" => ContactSort.Phone,
            "created" => ContactSort.Created,
            _ => ContactSort.Name,
        },
        Descending = string.Equals(dir?.Trim(), "desc", StringComparison.OrdinalIgnoreCase),
        Page = page is > 0 ? page.Value : 1,
        PageSize = size is { } s && PageSizes.Contains(s) ? s : DefaultPageSize,
    };

    public static string StatusValue(ContactStatusFilter status) => status switch
    {
        ContactStatusFilter.Active => "active",
        ContactStatusFilter.OptedOut => "opted-out",
        ContactStatusFilter.Blocked => "blocked",
        ContactStatusFilter.Inactive => "inactive",
        _ => "",
    };

    public static string SortValue(ContactSort sort) => sort switch
    {
        ContactSort.Phone => "phone",
        ContactSort.Created => "created",
        _ => "name",
    };

    /// <summary>True when anything narrows the list (paging and sorting do not).</summary>
    public bool IsFiltered => Search.Length > 0 || Label.Length > 0 || Status != ContactStatusFilter.All;

    /// <summary>The address of this list (or of <paramref name="path"/>, such as the export), with only the
    /// parameters that differ from the defaults.</summary>
    public string ToUrl(string path = "/contacts", bool includePaging = true)
    {
        var parameters = new Dictionary<string, string?>();
        if (Search.Length > 0) parameters["q"] = Search;
        if (Label.Length > 0) parameters["label"] = Label;
        if (Status != ContactStatusFilter.All) parameters["status"] = StatusValue(Status);
        if (Sort != ContactSort.Name) parameters["sort"] = SortValue(Sort);
        if (Descending) parameters["dir"] = "desc";
        if (includePaging && Page > 1) parameters["page"] = Page.ToString(CultureInfo.InvariantCulture);
        if (includePaging && PageSize != DefaultPageSize) parameters["size"] = PageSize.ToString(CultureInfo.InvariantCulture);
        return QueryHelpers.AddQueryString(path, parameters);
    }
}
