using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Sandbox;

/// <summary>
/// The simulated Graph API under <c>/sandbox/graph/{version}/…</c> (bearer token like Meta's, no cookie, no
/// antiforgery) and the statistics under <c>/sandbox/stats</c>. The logic lives in the services; this is HTTP only.
/// </summary>
public static partial class SandboxEndpoints
{
    public const string GraphPrefix = "/sandbox/graph";
    public const int DefaultTemplatePageSize = 25;
    public const int MaxTemplatePageSize = 1000;
    private const int MaxSendBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapSandboxEndpoints(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox")
            .AllowAnonymous()
            .DisableAntiforgery()
            .ExcludeFromDescription()
            .AddEndpointFilter(OnlyWhenEnabled);

        var graph = sandbox.MapGroup("/graph/{version}").AddEndpointFilter(AsTheGraphApi);
        graph.MapPost("/{phoneNumberId}/messages", SendAsync);
        graph.MapGet("/{wabaId}/message_templates", ListTemplates);
        graph.MapGet("/{phoneNumberId}", PhoneNumber);

        sandbox.MapGet("/stats", (SandboxStats stats, WebhookOutbox outbox) => TypedResults.Json(stats.Snapshot(outbox.Pending)));
        sandbox.MapPost("/stats/reset", (SandboxStats stats) =>
        {
            stats.Reset();
            return TypedResults.NoContent();
        });
        return app;
    }

    /// <summary>Switched off, the sandbox is not there: 404 with a body that says why (and that the status-code pages leave alone).</summary>
    private static async ValueTask<object?> OnlyWhenEnabled(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.RequestServices.GetRequiredService<IOptions<SandboxOptions>>().Value.Enabled
            ? await next(context)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The sandbox is switched off (Sandbox:Enabled is false).");

    /// <summary>What every Graph call goes through: a version in the path, the bearer token, then the simulated latency.</summary>
    private static async ValueTask<object?> AsTheGraphApi(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<SandboxOptions>>().Value;

        var version = http.GetRouteValue("version") as string ?? "";
        if (!GraphVersion().IsMatch(version))
            return Error(new SandboxError(100, $"Unknown path components: '{version}' is not a Graph API version such as v23.0."));

        if (!HasToken(http.Request, options.AccessToken))
        {
            services.GetRequiredService<SandboxStats>().Rejected(190);
            http.Response.Headers.WWWAuthenticate = "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token\"";
            return Error(new SandboxError(190));
        }

        var latency = services.GetRequiredService<SandboxRandom>().Delay(options.Latency);
        if (latency > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(latency, services.GetRequiredService<TimeProvider>(), http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The caller gave up (its time-out): nothing was processed.
                return Results.Empty;
            }
        }
        return await next(context);
    }

    private static async Task<IResult> SendAsync(string phoneNumberId, HttpRequest request, SandboxSendService sandbox)
    {
        if (await ReadBodyAsync(request) is not { } body)
            return Error(new SandboxError(100, $"The request body is larger than {MaxSendBodyBytes} bytes."));

        var result = sandbox.Send(phoneNumberId, body);
        if (result.Error is { } error)
            return Error(error);
        return TypedResults.Json(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["contacts"] = new JsonArray(new JsonObject { ["input"] = result.Input, ["wa_id"] = result.WaId }),
            ["messages"] = new JsonArray(new JsonObject { ["id"] = result.MessageId, ["message_status"] = "accepted" }),
        });
    }

    /// <summary>Meta's template list: <c>data</c> plus <c>paging</c> with opaque cursors and an absolute <c>next</c> link
    /// on every page but the last.</summary>
    private static IResult ListTemplates(string wabaId, HttpRequest request, SandboxTemplateCatalogue catalogue)
    {
        var limit = DefaultTemplatePageSize;
        if (request.Query["limit"] is { Count: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
            return Error(new SandboxError(100, $"limit must be a positive whole number, not '{limitText}'."));
        limit = Math.Min(limit, MaxTemplatePageSize);

        var offset = 0;
        if (request.Query["after"] is { Count: > 0 } after)
        {
            if (ReadCursor(after.ToString()) is not { } last)
                return Error(new SandboxError(100, "The 'after' cursor is not valid."));
            offset = last + 1;
        }

        var fields = Fields(request);
        var page = catalogue.All.Skip(offset).Take(limit).ToList();
        var data = new JsonArray();
        foreach (var template in page)
            data.Add(template.ToJson(fields));

        var answer = new JsonObject { ["data"] = data };
        if (page.Count > 0)
        {
            var lastIndex = offset + page.Count - 1;
            var paging = new JsonObject
            {
                ["cursors"] = new JsonObject { ["before"] = Cursor(offset), ["after"] = Cursor(lastIndex) },
            };
            if (lastIndex + 1 < catalogue.All.Count)
                paging["next"] = NextPageUrl(request, Cursor(lastIndex));
            answer["paging"] = paging;
        }
        return TypedResults.Json(answer);
    }

    private static IResult PhoneNumber(string phoneNumberId, HttpRequest request, IOptions<SandboxOptions> options)
    {
        var settings = options.Value;
        var all = new JsonObject
        {
            ["verified_name"] = settings.VerifiedName,
            ["code_verification_status"] = "VERIFIED",
            ["display_phone_number"] = settings.DisplayNumberFor(phoneNumberId),
            ["quality_rating"] = settings.QualityRating,
            ["platform_type"] = "CLOUD_API",
            ["throughput"] = new JsonObject
            {
                ["level"] = settings.ThroughputPerSecond is 0 or >= 1000 ? "HIGH" : "STANDARD",
            },
            ["messaging_limit_tier"] = settings.MessagingLimitTier,
            ["name_status"] = "APPROVED",
            ["status"] = "CONNECTED",
            ["id"] = phoneNumberId,
        };
        // Like the Graph API: the requested fields, or a few defaults.
        var fields = Fields(request) ?? ["verified_name", "code_verification_status", "display_phone_number", "quality_rating"];
        var answer = new JsonObject();
        foreach (var (key, value) in all)
        {
            if (key == "id" || fields.Contains(key))
                answer[key] = value?.DeepClone();
        }
        return TypedResults.Json(answer);
    }

    /// <summary>The request body as text, or null when it is larger than a send can be.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxSendBodyBytes)
            return null;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            if (body.Length + read > MaxSendBodyBytes)
                return null;
            body.Append(buffer, 0, read);
        }
        return body.ToString();
    }

    private static IResult Error(SandboxError error) =>
        TypedResults.Json(MetaErrorCatalogue.Envelope(error, SandboxIds.NewTraceId()), statusCode: error.HttpStatus);

    private static bool HasToken(HttpRequest request, string expected)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(expected));
    }

    private static HashSet<string>? Fields(HttpRequest request) =>
        request.Query["fields"] is { Count: > 0 } fields
            ? fields.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : null;

    private static string NextPageUrl(HttpRequest request, string afterCursor)
    {
        var query = new QueryBuilder(request.Query
            .Where(q => q.Key is not ("after" or "before"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))));
        query.Add("after", afterCursor);
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, query.ToQueryString());
    }

    /// <summary>Cursors are opaque to clients, as Meta's are; inside, the position of a template in the list.</summary>
    private static string Cursor(int index) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"sandbox:{index}")));

    private static int? ReadCursor(string cursor)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("sandbox:", StringComparison.Ordinal)
                   && int.TryParse(text["sandbox:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? index
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^v\d{1,3}\.\d{1,3}$")]
    private static partial Regex GraphVersion();
}
