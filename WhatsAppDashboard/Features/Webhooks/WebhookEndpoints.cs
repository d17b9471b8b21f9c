using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// Meta's webhook endpoint: the subscription handshake (GET) and signed notifications (POST). A notification is only
/// checked and stored here; <see cref="WebhookInboxWorker"/> applies it, so Meta gets its 200 at once.
/// </summary>
public static class WebhookEndpoints
{
    public const string Path = "/webhooks/whatsapp";
    public const string SignatureHeader = "X-Hub-Signature-256";
    /// <summary>Meta's notifications are a few kilobytes; anything near this is not one of them.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, VerifySubscriptionAsync).AllowAnonymous().DisableAntiforgery();
        app.MapPost(Path, ReceiveAsync).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> VerifySubscriptionAsync(HttpRequest request, AppDbContext db, CancellationToken ct)
    {
        var mode = request.Query["hub.mode"].ToString();
        var token = request.Query["hub.verify_token"].ToString();
        var challenge = request.Query["hub.challenge"].ToString();
        if (mode != "subscribe" || token.Length == 0)
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        var known = await db.WhatsAppAccounts.AsNoTracking()
            .Where(a => a.WebhookVerifyToken != "")
            .Select(a => a.WebhookVerifyToken)
            .ToListAsync(ct);
        // Compared in constant time, so the response time says nothing about how much of a token was right.
        var tokenBytes = Encoding.UTF8.GetBytes(token);
        var matches = known.Any(k => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(k), tokenBytes));
        return matches
            ? Results.Text(challenge, "text/plain")
            : Results.StatusCode(StatusCodes.Status403Forbidden);
    }

    private static async Task<IResult> ReceiveAsync(
        HttpRequest request, WebhookSigners signers, WebhookInboxWriter inbox, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var receivedAt = clock.GetUtcNow();
        var logger = loggers.CreateLogger(typeof(WebhookEndpoints));
        var body = await ReadBoundedAsync(request, ct);
        if (body is null)
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);

        var (phoneNumberIds, wabaIds) = Addressees(body);
        if (phoneNumberIds is null)
        {
            logger.LogWarning("Webhook rejected: the body is not a WhatsApp notification.");
            return Results.BadRequest();
        }
        var signature = request.Headers[SignatureHeader].ToString();
        if (await signers.FindAsync(phoneNumberIds, wabaIds, body, signature, ct) is not { } accountId)
        {
            // Phone number ids come from an unauthenticated body: logged, the signature never.
            logger.LogWarning("Webhook rejected: no account for phone number id(s) {PhoneNumberIds} or WABA id(s) {WabaIds} whose app secret matches the signature.",
                string.Join(", ", phoneNumberIds), string.Join(", ", wabaIds));
            return Results.Unauthorized();
        }

        if (StorablePayload(body) is not { } payload)
        {
            logger.LogWarning("Webhook rejected: the body holds text that is not valid Unicode.");
            return Results.BadRequest();
        }
        await inbox.StoreAsync(accountId, receivedAt, payload, ct);
        return Results.Ok();
    }

    /// <summary>The body's bytes, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The business phone number ids the notification is about, and the WhatsApp Business Account ids of changes
    /// that name no number (template status updates); null ids when the body is not JSON of that shape.</summary>
    private static (List<string>? PhoneNumberIds, List<string> WabaIds) Addressees(byte[] body)
    {
        var wabaIds = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(body);
            var ids = new List<string>();
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
                return (null, wabaIds);
            foreach (var entry in entries.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
                    continue;
                foreach (var change in changes.EnumerateArray())
                {
                    if (change.ValueKind == JsonValueKind.Object
                        && change.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Object
                        && value.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                        && metadata.TryGetProperty("phone_number_id", out var id) && id.ValueKind == JsonValueKind.String
                        && id.GetString() is { Length: > 0 } phoneNumberId && !phoneNumberId.Contains('\0'))
                    {
                        if (!ids.Contains(phoneNumberId))
                            ids.Add(phoneNumberId);
                    }
                    else if (entry.TryGetProperty("id", out var waba) && waba.ValueKind == JsonValueKind.String
                             && waba.GetString() is { Length: > 0 } wabaId && !wabaId.Contains('\0') && !wabaIds.Contains(wabaId))
                    {
                        wabaIds.Add(wabaId);
                    }
                }
            }
            return (ids, wabaIds);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string escapes half of a surrogate pair, which is not text.
            return (null, wabaIds);
        }
    }

    /// <summary>
    /// The body as PostgreSQL's jsonb can store it: jsonb refuses the NUL character (<c>\u0000</c>), so it becomes U+FFFD;
    /// null when an escape is not valid text (half of a surrogate pair). Bodies without escapes are kept byte for byte.
    /// </summary>
    internal static string? StorablePayload(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        if (!text.Contains("\\u", StringComparison.Ordinal))
            return text;
        try
        {
            return Cleaned(JsonNode.Parse(body))?.ToJsonString();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private static JsonNode? Cleaned(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key.Replace('\0', '\uFFFD'), Cleaned(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Cleaned).ToArray()),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(v.GetValue<string>().Replace('\0', '\uFFFD')),
        JsonValue v => v.DeepClone(),
        _ => null,
    };

    /// <summary>True when <paramref name="header"/> is <c>sha256=</c> and the hex HMAC-SHA256 of the exact body bytes.</summary>
    public static bool SignatureMatches(byte[] body, string header, string? appSecret)
    {
        const string prefix = "sha256=";
        if (string.IsNullOrEmpty(appSecret) || !header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return false;
        byte[] given;
        try
        {
            given = Convert.FromHexString(header.AsSpan(prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
