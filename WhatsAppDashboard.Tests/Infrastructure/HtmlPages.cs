using System.Net;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>Reads server-rendered pages with AngleSharp and submits their forms the way a browser would.</summary>
public static class HtmlPages
{
    private static readonly HtmlParser Parser = new();

    public static async Task<IHtmlDocument> ReadHtmlAsync(this HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        return await Parser.ParseDocumentAsync(html);
    }

    /// <summary>GETs a page, expecting 200, and parses it.</summary>
    public static async Task<IHtmlDocument> GetPageAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        response.StatusCode.Should().Be(HttpStatusCode.OK, "GET {0} should render a page", url);
        return await response.ReadHtmlAsync();
    }

    /// <summary>The form whose hidden _handler field (the Blazor form name) matches.</summary>
    public static IHtmlFormElement Form(this IDocument document, string formName) =>
        document.QuerySelectorAll<IHtmlFormElement>("form")
            .FirstOrDefault(f => f.QuerySelector<IHtmlInputElement>("input[name=_handler]")?.Value == formName)
        ?? throw new InvalidOperationException($"No form named '{formName}' on the page.");

    /// <summary>Posts the form with its current field values, overridden by <paramref name="values"/>, as if
    /// <paramref name="submitter"/> (name, value) was the button pressed.</summary>
    public static Task<HttpResponseMessage> SubmitAsync(
        this HttpClient client, IHtmlFormElement form, IDictionary<string, string>? values = null, (string Name, string Value)? submitter = null)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement input when !string.IsNullOrEmpty(input.Name) && input.Type is not ("submit" or "button"):
                    if (input.Type is "checkbox" or "radio" && !input.IsChecked)
                        break;
                    fields.Add(new(input.Name!, input.Value));
                    break;
                case IHtmlSelectElement select when !string.IsNullOrEmpty(select.Name):
                    var selected = select.Options.FirstOrDefault(o => o.IsSelected) ?? select.Options.FirstOrDefault();
                    if (selected is not null)
                        fields.Add(new(select.Name!, selected.Value));
                    break;
                case IHtmlTextAreaElement area when !string.IsNullOrEmpty(area.Name):
                    fields.Add(new(area.Name!, area.Value));
                    break;
            }
        }
        if (values is not null)
        {
            foreach (var (name, value) in values)
            {
                fields.RemoveAll(f => f.Key == name);
                fields.Add(new(name, value));
            }
        }
        if (submitter is { } button)
            fields.Add(new(button.Name, button.Value));

        var action = form.GetAttribute("action") is { Length: > 0 } a ? a : form.Owner!.Url;
        var target = new Uri(action, UriKind.RelativeOrAbsolute);
        return client.PostAsync(target.IsAbsoluteUri ? target.PathAndQuery : action, new FormUrlEncodedContent(fields));
    }

    public static async Task<HttpResponseMessage> SignInAsync(this HttpClient client, string email, string password, string? returnUrl = null)
    {
        var url = "/account/login" + (returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        var page = await client.GetPageAsync(url);
        return await client.SubmitAsync(page.Form("login"), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
    }

    /// <summary>Follows one redirect (as a browser would) and returns the parsed page.</summary>
    public static async Task<IHtmlDocument> FollowAsync(this HttpClient client, HttpResponseMessage redirect)
    {
        redirect.StatusCode.Should().BeOneOf(HttpStatusCode.Redirect, HttpStatusCode.Found, HttpStatusCode.SeeOther);
        return await client.GetPageAsync(redirect.Headers.Location!.OriginalString);
    }

    /// <summary>Where a redirect points, as a path and query on this site; fails if it leaves the site.</summary>
    public static string RedirectTarget(this HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"{(int)response.StatusCode} is not a redirect.");
        var site = response.RequestMessage?.RequestUri ?? new Uri("http://localhost");
        if (!location.IsAbsoluteUri)
            location = new Uri(site, location);
        location.Authority.Should().Be(site.Authority, "redirects must stay on this site");
        return location.PathAndQuery;
    }

    public static IReadOnlyList<string> NavigationTitles(this IDocument page) =>
        page.QuerySelectorAll("[data-testid=nav] .nav-link span").Select(e => e.TextContent.Trim()).ToList();

    public static IReadOnlyList<string> FlashTexts(this IDocument page) =>
        page.QuerySelectorAll("[data-testid=flash] .toast-body").Select(e => e.TextContent.Trim()).ToList();

    public static string? ValidationMessageFor(this IDocument page, string inputId)
    {
        var input = page.GetElementById(inputId) ?? throw new InvalidOperationException($"No input #{inputId}.");
        return input.ParentElement?.QuerySelector(".validation-message, .invalid-feedback")?.TextContent.Trim();
    }
}
