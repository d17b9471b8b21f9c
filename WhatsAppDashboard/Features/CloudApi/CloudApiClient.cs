using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Features.CloudApi;

/// <summary>
/// The Graph API over HTTP. Every call is bounded by <c>CloudApi:TimeoutSeconds</c>; API errors, time-outs and
/// network failures come back as a classified <see cref="CloudApiError"/>, never as exceptions (only the caller's
/// own cancellation throws). The access token travels in the Authorization header only and is never logged.
/// </summary>
public sealed class CloudApiClient(HttpClient http, IOptions<CloudApiOptions> options, ILogger<CloudApiClient> logger) : ICloudApiClient
{
    public const string TemplateFields = "id,name,language,category,status,parameter_format,components";
    public const string PhoneNumberFields = "id,display_phone_number,verified_name,quality_rating,throughput,messaging_limit_tier";

    private readonly CloudApiOptions _options = options.Value;

    public async Task<CloudApiResult<SendAccepted>> SendTemplateAsync(CloudApiTarget target, TemplateMessage message, CancellationToken ct)
    {
        var url = GraphUrl(target, $"{Uri.EscapeDataString(target.PhoneNumberId)}/messages");
        if (url.Error is { } invalid)
            return Failed<SendAccepted>("send", target, invalid);

        var body = TemplateMessagePayload.Build(message).ToJsonString();
        var answer = await CallAsync(target, HttpMethod.Post, url.Value!, body, ct);
        if (answer.Error is { } error)
            return Failed<SendAccepted>("send", target, error);

        var root = answer.Value;
        var messageId = root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array
            && messages.GetArrayLength() > 0 && messages[0].ValueKind == JsonValueKind.Object
                ? Text(messages[0], "id")
                : null;
        if (messageId is null)
        {
            // Meta said yes but we cannot tell to what: the message may well be on its way.
            return Failed<SendAccepted>("send", target, CloudApiErrors.UnexpectedResponse(
                200, "The answer has no messages[0].id.", mayHaveBeenSent: true));
        }
        var waId = root.TryGetProperty("contacts", out var contacts) && contacts.ValueKind == JsonValueKind.Array
            && contacts.GetArrayLength() > 0 && contacts[0].ValueKind == JsonValueKind.Object
                ? Text(contacts[0], "wa_id")
                : null;
        return CloudApiResult<SendAccepted>.Ok(new SendAccepted(messageId, waId));
    }

    public async Task<CloudApiResult<IReadOnlyList<RemoteTemplate>>> ListTemplatesAsync(CloudApiTarget target, CancellationToken ct)
    {
        var first = GraphUrl(target,
            $"{Uri.EscapeDataString(target.WabaId)}/message_templates?fields={TemplateFields}&limit={_options.TemplatePageSize}");
        if (first.Error is { } invalid)
            return Failed<IReadOnlyList<RemoteTemplate>>("template list", target, invalid);

        var templates = new List<RemoteTemplate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Uri? next = first.Value;
        var pages = 0;
        while (next is not null)
        {
            if (++pages > _options.MaxTemplatePages)
            {
                return Failed<IReadOnlyList<RemoteTemplate>>("template list", target, CloudApiErrors.UnexpectedResponse(
                    200, $"The template list did not end after {_options.MaxTemplatePages} pages (CloudApi:MaxTemplatePages)."));
            }
            var page = await CallAsync(target, HttpMethod.Get, next, null, ct);
            if (page.Error is { } error)
                return Failed<IReadOnlyList<RemoteTemplate>>("template list", target, error);

            if (page.Value.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in data.EnumerateArray())
                {
                    // A template edited while we page can show up twice; the first copy wins.
                    if (ReadTemplate(item) is { } template && seen.Add(template.Id.Length > 0 ? template.Id : $"{template.Name}/{template.Language}"))
                        templates.Add(template);
                }
            }
            next = NextPage(first.Value!, next, page.Value);
        }
        return CloudApiResult<IReadOnlyList<RemoteTemplate>>.Ok(templates);
    }

    public async Task<CloudApiResult<PhoneNumberInfo>> GetPhoneNumberAsync(CloudApiTarget target, CancellationToken ct)
    {
        var url = GraphUrl(target, $"{Uri.EscapeDataString(target.PhoneNumberId)}?fields={PhoneNumberFields}");
        if (url.Error is { } invalid)
            return Failed<PhoneNumberInfo>("phone number", target, invalid);

        var answer = await CallAsync(target, HttpMethod.Get, url.Value!, null, ct);
        if (answer.Error is { } error)
            return Failed<PhoneNumberInfo>("phone number", target, error);

        var root = answer.Value;
        // Meta answers throughput as {"level":"STANDARD"}; accept a plain string as well.
        var throughput = root.TryGetProperty("throughput", out var t)
            ? t.ValueKind == JsonValueKind.Object ? Text(t, "level") : t.ValueKind == JsonValueKind.String ? t.GetString() : null
            : null;
        return CloudApiResult<PhoneNumberInfo>.Ok(new PhoneNumberInfo(
            Text(root, "id") ?? target.PhoneNumberId,
            Text(root, "display_phone_number") ?? "",
            Text(root, "verified_name"),
            Text(root, "quality_rating"),
            throughput,
            Text(root, "messaging_limit_tier")));
    }

    /// <summary>One Graph API call: the parsed JSON of a 2xx answer, or a classified error.</summary>
    private async Task<CloudApiResult<JsonElement>> CallAsync(
        CloudApiTarget target, HttpMethod method, Uri url, string? jsonBody, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(_options.TimeoutSeconds);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutSource.CancelAfter(timeout);

        using var request = new HttpRequestMessage(method, url)
        {
            // HTTP/2 where the server offers it (Meta does): many sends share one connection.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (jsonBody is not null)
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");

        try
        {
            using var response = await http.SendAsync(request, timeoutSource.Token);
            var text = await response.Content.ReadAsStringAsync(timeoutSource.Token);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                return CloudApiResult<JsonElement>.Fail(
                    CloudApiErrors.FromEnvelope(text, status)
                    ?? CloudApiErrors.UnexpectedResponse(status, Describe(response, text, target.AccessToken)));
            }
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                    return CloudApiResult<JsonElement>.Ok(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                // Reported below.
            }
            return CloudApiResult<JsonElement>.Fail(CloudApiErrors.UnexpectedResponse(
                status, "The answer is not a JSON object: " + Describe(response, text, target.AccessToken),
                mayHaveBeenSent: method == HttpMethod.Post));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CloudApiResult<JsonElement>.Fail(CloudApiErrors.TimedOut(timeout));
        }
        catch (HttpRequestException ex)
        {
            return CloudApiResult<JsonElement>.Fail(CloudApiErrors.NetworkFailure(ex));
        }
    }

    private CloudApiResult<T> Failed<T>(string operation, CloudApiTarget target, CloudApiError error)
    {
        // Ids and Meta's answer only: never the token, never full URLs (Meta's paging links may carry it).
        logger.LogWarning("Cloud API {Operation} for phone number {PhoneNumberId} / WABA {WabaId} failed ({Class}): {Error}",
            operation, target.PhoneNumberId, target.WabaId, error.Class, error.ToString());
        return CloudApiResult<T>.Fail(error);
    }

    private static CloudApiResult<Uri> GraphUrl(CloudApiTarget target, string pathAndQuery)
    {
        if (!Uri.TryCreate(target.BaseUrl.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri)
            || baseUri.Scheme is not ("http" or "https"))
            return CloudApiResult<Uri>.Fail(CloudApiErrors.InvalidTarget($"The API base URL '{target.BaseUrl}' is not an http(s) address."));
        if (string.IsNullOrWhiteSpace(target.GraphApiVersion))
            return CloudApiResult<Uri>.Fail(CloudApiErrors.InvalidTarget("The Graph API version is empty."));
        if (string.IsNullOrWhiteSpace(target.AccessToken))
            return CloudApiResult<Uri>.Fail(CloudApiErrors.InvalidTarget("The access token is not set."));
        return CloudApiResult<Uri>.Ok(new Uri(baseUri, $"{Uri.EscapeDataString(target.GraphApiVersion.Trim())}/{pathAndQuery}"));
    }

    /// <summary>
    /// The next page of a Graph API list: Meta's <c>paging.next</c> link when it points at the same server we were
    /// given (the bearer token must not travel anywhere else), else the <c>after</c> cursor on our own URL.
    /// No <c>next</c> means the last page.
    /// </summary>
    internal static Uri? NextPage(Uri firstPage, Uri currentPage, JsonElement answer)
    {
        if (!answer.TryGetProperty("paging", out var paging) || paging.ValueKind != JsonValueKind.Object
            || Text(paging, "next") is not { } nextText)
            return null;

        Uri? next = null;
        if (Uri.TryCreate(nextText, UriKind.Absolute, out var link)
            && Uri.Compare(link, firstPage, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            next = link;
        }
        else if (paging.TryGetProperty("cursors", out var cursors) && cursors.ValueKind == JsonValueKind.Object
                 && Text(cursors, "after") is { } after)
        {
            next = new Uri(WithQueryParameter(firstPage.AbsoluteUri, "after", after));
        }
        // A link back to the page we just read would loop for ever.
        return next is not null && next != currentPage ? next : null;
    }

    private static string WithQueryParameter(string url, string name, string value)
    {
        var separator = url.Contains('?') ? '&' : '?';
        return $"{url}{separator}{name}={Uri.EscapeDataString(value)}";
    }

    private static RemoteTemplate? ReadTemplate(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || Text(item, "name") is not { } name)
            return null;
        var components = item.TryGetProperty("components", out var c) && c.ValueKind == JsonValueKind.Array ? c.GetRawText() : "[]";
        return new RemoteTemplate(
            Text(item, "id") ?? "",
            name,
            Text(item, "language") ?? "",
            Text(item, "category") ?? "",
            Text(item, "status") ?? "",
            Text(item, "parameter_format") ?? "POSITIONAL",
            components);
    }

    private static string? Text(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            // Graph ids are strings, but be lenient with numbers.
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>A short, token-free description of an answer that is not what the Graph API sends.</summary>
    private static string Describe(HttpResponseMessage response, string body, string accessToken)
    {
        var excerpt = body.Length > 200 ? body[..200] + "…" : body;
        if (accessToken.Length > 0)
            excerpt = excerpt.Replace(accessToken, "***", StringComparison.Ordinal);
        var type = response.Content.Headers.ContentType?.MediaType ?? "no content type";
        return string.Create(CultureInfo.InvariantCulture,
            $"HTTP {(int)response.StatusCode} {response.ReasonPhrase} ({type}){(excerpt.Length > 0 ? ": " + excerpt.ReplaceLineEndings(" ") : "")}");
    }
}
