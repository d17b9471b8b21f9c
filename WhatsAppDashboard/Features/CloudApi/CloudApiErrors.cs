using System.Text.Json;
using System.Text.RegularExpressions;

namespace WhatsAppDashboard.Features.CloudApi;

/// <summary>
/// The one place that knows what Meta's error codes mean for us (see PRODUCT.md, "Sending"), and how to read
/// Meta's error envelope <c>{"error":{"message","type","code","error_subcode","error_data":{"details"},"fbtrace_id"}}</c>.
/// </summary>
public static partial class CloudApiErrors
{
    /// <summary>Made-up code: the call did not finish within <c>CloudApi:TimeoutSeconds</c>.</summary>
    public const int TimeoutCode = -1;
    /// <summary>Made-up code: the connection failed (refused, reset, DNS, TLS).</summary>
    public const int NetworkErrorCode = -2;
    /// <summary>Made-up code: the answer was not what the Graph API sends (no error envelope, no message id).</summary>
    public const int UnexpectedResponseCode = -3;
    /// <summary>Made-up code: the account's settings cannot make a request (no token, bad base URL); nothing was sent.</summary>
    public const int InvalidTargetCode = -4;

    public static ErrorClass Classify(int code, int? httpStatus) => code switch
    {
        TimeoutCode or NetworkErrorCode => ErrorClass.Transient,
        InvalidTargetCode => ErrorClass.AccountLevel,
        130429 => ErrorClass.Transient, // throughput reached
        131056 => ErrorClass.Transient, // pair rate: about one message per 6 s to the same user
        1 or 2 => ErrorClass.Transient, // API unknown / service temporarily unavailable
        4 => ErrorClass.Transient,      // application-level call rate
        80007 => ErrorClass.Transient,  // WABA rate limit
        131016 => ErrorClass.Transient, // service unavailable
        133004 => ErrorClass.Transient, // server temporarily unavailable

        131049 => ErrorClass.RetryLater, // Meta's per-user marketing cap ("healthy ecosystem engagement")

        131050 => ErrorClass.OptOut, // the user stopped marketing messages from this business

        190 => ErrorClass.AccountLevel,                  // access token expired or invalid
        10 => ErrorClass.AccountLevel,                   // permission denied
        >= 200 and <= 299 => ErrorClass.AccountLevel,    // permission errors
        131031 => ErrorClass.AccountLevel,               // business account locked
        131048 => ErrorClass.AccountLevel,               // spam rate limit
        368 => ErrorClass.AccountLevel,                  // temporarily blocked for policy violations
        131042 => ErrorClass.AccountLevel,               // payment problem
        131045 => ErrorClass.AccountLevel,               // phone number registration (certificate) problem

        131026 => ErrorClass.Permanent,               // undeliverable
        131047 => ErrorClass.Permanent,               // re-engagement window
        >= 132000 and <= 132999 => ErrorClass.Permanent, // template problems
        100 => ErrorClass.Permanent,                  // invalid parameter
        131008 or 131009 => ErrorClass.Permanent,     // missing / invalid parameter value
        131021 => ErrorClass.Permanent,               // recipient is the sender
        131051 => ErrorClass.Permanent,               // unsupported message type
        133010 => ErrorClass.Permanent,               // phone number not registered on the Cloud API

        _ => ByHttpStatus(httpStatus),
    };

    /// <summary>
    /// A short title for an error code, for reports that group failures by code when no message was stored with
    /// them; null for codes we do not know (the caller shows the code alone).
    /// </summary>
    public static string? TitleOf(int code) => code switch
    {
        TimeoutCode => "Timed out",
        NetworkErrorCode => "Network error",
        UnexpectedResponseCode => "Unexpected response",
        InvalidTargetCode => "Invalid account settings",
        1 => "API unknown error",
        2 => "API service temporarily unavailable",
        4 => "Too many API calls",
        10 => "Permission denied",
        100 => "Invalid parameter",
        190 => "Access token expired or invalid",
        >= 200 and <= 299 => "API permission error",
        368 => "Temporarily blocked for policy violations",
        80007 => "WhatsApp Business Account rate limit reached",
        130429 => "Throughput limit reached",
        131008 => "Required parameter is missing",
        131009 => "Parameter value is not valid",
        131016 => "Service unavailable",
        131021 => "Recipient cannot be the sender",
        131026 => "Message undeliverable",
        131031 => "Business account locked",
        131042 => "Business eligibility or payment issue",
        131045 => "Phone number not registered (certificate)",
        131047 => "Re-engagement message outside the 24-hour window",
        131048 => "Spam rate limit hit",
        131049 => "Not delivered to maintain healthy ecosystem engagement",
        131050 => "User stopped marketing messages",
        131051 => "Unsupported message type",
        131056 => "Pair rate limit hit (too many messages to this user)",
        132000 => "Template parameter count mismatch",
        132001 => "Template does not exist",
        132005 => "Template text too long after parameters",
        132007 => "Template format character policy violated",
        132012 => "Template parameter format mismatch",
        132015 => "Template is paused",
        132016 => "Template is disabled",
        >= 132000 and <= 132999 => "Template problem",
        133004 => "Server temporarily unavailable",
        133010 => "Phone number not registered on the Cloud API",
        _ => null,
    };

    /// <summary>Codes Meta has not told us about are judged by the HTTP status alone.</summary>
    private static ErrorClass ByHttpStatus(int? httpStatus) => httpStatus switch
    {
        >= 500 => ErrorClass.Transient,
        408 or 429 => ErrorClass.Transient,
        // Without a Meta code these come from a proxy or a gateway in front of the API: the credentials or the
        // network path is wrong for every message, so stop the campaign rather than fail its recipients one by one.
        401 or 403 => ErrorClass.AccountLevel,
        _ => ErrorClass.Permanent,
    };

    public static CloudApiError TimedOut(TimeSpan after) => new(
        TimeoutCode, null, "Timed out", $"The Graph API did not answer within {after.TotalSeconds:0.###} s.", null, null,
        ErrorClass.Transient, MayHaveBeenSent: true);

    public static CloudApiError NetworkFailure(HttpRequestException exception)
    {
        // Failures before a connection exists mean Meta never saw the request.
        var requestNeverLeft = exception.HttpRequestError is HttpRequestError.NameResolutionError
            or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;
        return new CloudApiError(
            NetworkErrorCode, null, "Network error", $"{exception.HttpRequestError}: {exception.Message}", null, null,
            ErrorClass.Transient, MayHaveBeenSent: !requestNeverLeft);
    }

    public static CloudApiError InvalidTarget(string details) => new(
        InvalidTargetCode, null, "Invalid account settings", details, null, null, ErrorClass.AccountLevel);

    public static CloudApiError UnexpectedResponse(int httpStatus, string details, bool mayHaveBeenSent = false) => new(
        UnexpectedResponseCode, null, "Unexpected response", details, null, httpStatus,
        Classify(UnexpectedResponseCode, httpStatus), mayHaveBeenSent);

    /// <summary>Reads Meta's error envelope from a failed response body; null when the body is not one.</summary>
    public static CloudApiError? FromEnvelope(string body, int httpStatus)
    {
        if (string.IsNullOrWhiteSpace(body))
            return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error)
                || error.ValueKind != JsonValueKind.Object
                || ReadInt(error, "code") is not { } code)
                return null;

            var message = ReadString(error, "error_user_title") ?? ReadString(error, "message") ?? $"Error {code}";
            var details = error.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object
                ? ReadString(data, "details")
                : null;
            details ??= ReadString(error, "error_user_msg");
            return new CloudApiError(
                code, ReadInt(error, "error_subcode"), WithoutCodePrefix(message), details, ReadString(error, "fbtrace_id"),
                httpStatus, Classify(code, httpStatus));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Meta writes messages as "(#131026) Message undeliverable"; the code is shown separately.</summary>
    private static string WithoutCodePrefix(string message) => CodePrefix().Replace(message, "");

    [GeneratedRegex(@"^\(#\d+\)\s*")]
    private static partial Regex CodePrefix();

    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : null;

    private static int? ReadInt(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
            return number;
        return value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), out var parsed) ? parsed : null;
    }
}
