using System.Globalization;
using System.Text.Json.Nodes;

namespace WhatsAppDashboard.Sandbox;

/// <summary>An error the simulated Graph API answers with (or reports in a <c>failed</c> status): a Meta code and details.</summary>
public sealed record SandboxError(int Code, string? Details = null)
{
    public int HttpStatus => MetaErrorCatalogue.Describe(Code).HttpStatus;
    public string Title => MetaErrorCatalogue.Describe(Code).Title;
    public string DetailsOrDefault => Details ?? MetaErrorCatalogue.Describe(Code).Details;
}

/// <summary>How Meta words and answers each error code the sandbox can produce, and Meta's error envelope.</summary>
public static class MetaErrorCatalogue
{
    public sealed record Description(int HttpStatus, string Title, string Details);

    private static readonly Dictionary<int, Description> Known = new()
    {
        [1] = new(500, "An unknown error occurred", "The request failed because of an unknown error. Try again later."),
        [2] = new(503, "Service temporarily unavailable", "The service is temporarily unavailable. Try again later."),
        [4] = new(400, "Application request limit reached", "The app has made too many calls. Wait and try again."),
        [10] = new(403, "Application does not have permission for this action", "The token lacks the whatsapp_business_messaging permission."),
        [100] = new(400, "Invalid parameter", "A parameter of the request is invalid."),
        [190] = new(401, "Invalid OAuth access token - Cannot parse access token", "The access token is invalid or has expired."),
        [200] = new(403, "Permissions error", "The app is not allowed to use this WhatsApp Business Account."),
        [368] = new(403, "Temporarily blocked for policies violations", "The account is restricted because of policy violations."),
        [80007] = new(400, "Rate limit issues", "The WhatsApp Business Account reached its API rate limit."),
        [130429] = new(400, "Rate limit hit", "Cloud API message throughput has been reached."),
        [131008] = new(400, "Required parameter is missing", "A required parameter is missing."),
        [131009] = new(400, "Parameter value is not valid", "A parameter value is not valid."),
        [131016] = new(503, "Service unavailable", "A service is temporarily unavailable. Try again later."),
        [131021] = new(400, "Recipient cannot be sender", "The recipient is the business phone number itself."),
        [131026] = new(400, "Message undeliverable", "The message could not be delivered to this recipient."),
        [131031] = new(403, "Business Account locked", "The WhatsApp Business Account is locked."),
        [131042] = new(400, "Business eligibility payment issue", "There is a problem with the account's payment method."),
        [131045] = new(400, "Incorrect certificate", "The phone number is not correctly registered."),
        [131047] = new(400, "Re-engagement message", "More than 24 hours have passed since the recipient last replied."),
        [131048] = new(400, "Spam rate limit hit", "Messages from this number were restricted because too many were reported as spam."),
        [131049] = new(400, "Meta chose not to deliver", "The message was not delivered to maintain healthy ecosystem engagement."),
        [131050] = new(400, "User has stopped marketing messages", "The recipient chose to stop receiving marketing messages from this business."),
        [131051] = new(400, "Unsupported message type", "The sandbox simulates template messages only."),
        [131056] = new(400, "(Business Account, Consumer Account) pair rate limit hit", "Too many messages to the same recipient in a short time."),
        [132000] = new(400, "Number of parameters does not match the expected number of params", "The parameters do not match the template."),
        [132001] = new(404, "Template name does not exist in the translation", "The template does not exist in this language."),
        [132012] = new(400, "Parameter format does not match format in the created template", "A parameter has the wrong format for the template."),
        [133010] = new(400, "Phone number not registered", "The business phone number is not registered on the Cloud API."),
    };

    public static Description Describe(int code) =>
        Known.GetValueOrDefault(code) ?? new Description(400, "Simulated error", "The sandbox was configured to answer with this code.");

    /// <summary>Meta's error envelope: <c>{"error":{"message","type","code","error_data":{…},"fbtrace_id"}}</c>.</summary>
    public static JsonObject Envelope(SandboxError error, string traceId)
    {
        var body = new JsonObject
        {
            // Meta prefixes "(#code)" except on OAuth token errors.
            ["message"] = error.Code == 190 ? error.Title : string.Create(CultureInfo.InvariantCulture, $"(#{error.Code}) {error.Title}"),
            ["type"] = "OAuthException",
            ["code"] = error.Code,
        };
        if (error.Code != 190)
            body["error_data"] = new JsonObject { ["messaging_product"] = "whatsapp", ["details"] = error.DetailsOrDefault };
        body["fbtrace_id"] = traceId;
        return new JsonObject { ["error"] = body };
    }
}
