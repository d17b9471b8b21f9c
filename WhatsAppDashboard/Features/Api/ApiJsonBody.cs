using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Features.Api;

/// <summary>The body of a request, or the problem to answer with instead.</summary>
public sealed record JsonBody<T>(T? Value, IResult? Problem);

/// <summary>
/// Reads a JSON request body so that every way it can be wrong (not JSON, a value of the wrong type, text PostgreSQL
/// cannot store, too large, the wrong media type) becomes a 4xx problem naming what is wrong, never a bare 400 or a 500
/// from the binder or the database. Every API endpoint that takes JSON reads it here.
/// </summary>
public static class ApiJsonBody
{
    /// <param name="optional">True when the endpoint also works without a body (an empty body gives a null value).</param>
    public static async Task<JsonBody<T>> ReadAsync<T>(HttpRequest request, bool optional, CancellationToken ct) where T : class
    {
        var empty = request.ContentLength == 0 || (request.ContentLength is null && request.ContentType is null && !request.Headers.TransferEncoding.Any());
        if (empty)
            return optional ? new(null, null) : new(null, ApiProblems.BadRequest("Send the request as a JSON body (Content-Type: application/json)."));
        if (!request.HasJsonContentType())
            return new(null, UnsupportedMediaType());

        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            var body = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
            if (UnstorableText(body.Span) is { } unstorable)
                return new(null, unstorable.Field is null
                    ? ApiProblems.BadRequest(unstorable.Reason)
                    : ApiProblems.Validation(unstorable.Field, unstorable.Reason));
            var value = JsonSerializer.Deserialize<T>(body.Span, options);
            return value is null
                ? new(null, ApiProblems.BadRequest("The body is JSON null: send a JSON object."))
                : new(value, null);
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex.Path);
            return new(null, field is null
                ? ApiProblems.BadRequest("The body is not valid JSON" + (ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "") + ".")
                : ApiProblems.Validation(new Dictionary<string, string[]> { [field] = ["This value is malformed or of the wrong type."] },
                    "The JSON body holds a value of the wrong type, or is cut short."));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new(null, TooLarge("The body is larger than this endpoint accepts."));
        }
    }

    /// <summary>
    /// The first string (value or property name) holding text that cannot be stored: an escaped NUL (PostgreSQL text
    /// refuses it) or an escaped half of a surrogate pair (not text at all). Raw bytes need no check: a NUL byte or
    /// invalid UTF-8 is not valid JSON and is refused by the parser. Null when the body is fine or not JSON at all
    /// (the parser then says what is wrong).
    /// </summary>
    private static (string? Field, string Reason)? UnstorableText(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        string? property = null;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
                    continue;
                var isName = reader.TokenType == JsonTokenType.PropertyName;
                if (reader.ValueIsEscaped)
                {
                    string text;
                    try
                    {
                        text = reader.GetString()!;
                    }
                    catch (InvalidOperationException)
                    {
                        return (isName ? null : property, "This text holds an escaped half of a surrogate pair, which is not valid Unicode.");
                    }
                    if (text.Contains('\0'))
                        return (isName ? null : property, "This text holds a NUL character (\\u0000), which cannot be stored.");
                    if (isName)
                        property = text;
                }
                else if (isName)
                {
                    property = reader.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not valid JSON: the deserializer reports where.
        }
        return null;
    }

    public static IResult UnsupportedMediaType() =>
        TypedResults.Problem(ApiProblems.Details(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            "Send the body as JSON with Content-Type: application/json."));

    public static IResult TooLarge(string detail) =>
        TypedResults.Problem(ApiProblems.Details(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail));

    /// <summary><c>$.audience.labels[2]</c> → <c>audience.labels</c>; null for the whole body.</summary>
    private static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return null;
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var bracket = field.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0)
            field = field[..bracket];
        return field.Length == 0 ? null : field;
    }
}
