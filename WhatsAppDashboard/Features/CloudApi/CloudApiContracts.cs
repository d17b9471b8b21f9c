namespace WhatsAppDashboard.Features.CloudApi;

/// <summary>Where and as whom to call the Graph API: built from a <c>WhatsAppAccount</c> with its token decrypted.</summary>
public sealed record CloudApiTarget(string BaseUrl, string GraphApiVersion, string PhoneNumberId, string WabaId, string AccessToken);

public enum HeaderKind { Text, Image, Document, Video }

/// <summary>A header parameter: text, or a media link (with a file name for documents).</summary>
public sealed record HeaderParameter(HeaderKind Kind, string Value, string? FileName = null, string? Name = null);

/// <summary>A body parameter; <see cref="Name"/> is set for templates with named parameters.</summary>
public sealed record TextParameter(string Value, string? Name = null);

public enum ButtonParameterKind { QuickReply, Url, CouponCode }

/// <summary>A button parameter: the quick-reply payload, the dynamic suffix of a URL button, or the code of a
/// copy-code button.</summary>
public sealed record ButtonParameter(int Index, ButtonParameterKind Kind, string Value);

/// <summary>One template message to one recipient.</summary>
public sealed record TemplateMessage(
    string To,
    string TemplateName,
    string LanguageCode,
    HeaderParameter? Header,
    IReadOnlyList<TextParameter> BodyParameters,
    IReadOnlyList<ButtonParameter> Buttons,
    string? CallbackData);

/// <summary>Meta accepted the message: <see cref="MessageId"/> is its wamid; <see cref="WaId"/> the recipient's WhatsApp id, when Meta returned it.</summary>
public sealed record SendAccepted(string MessageId, string? WaId = null);

/// <summary>A template as the Graph API lists it; <see cref="ComponentsJson"/> is its raw <c>components</c> array.</summary>
public sealed record RemoteTemplate(
    string Id, string Name, string Language, string Category, string Status, string ParameterFormat, string ComponentsJson);

public sealed record PhoneNumberInfo(
    string Id, string DisplayPhoneNumber, string? VerifiedName, string? QualityRating, string? Throughput, string? MessagingLimitTier);

/// <summary>How a failure must be handled. Decided in one place: <c>CloudApiErrors.Classify</c>.</summary>
public enum ErrorClass
{
    /// <summary>Throughput (130429), pair rate (131056), 5xx, time-outs: retry with back-off.</summary>
    Transient,
    /// <summary>Meta's per-user marketing cap (131049): may be retried hours later.</summary>
    RetryLater,
    /// <summary>Undeliverable, template problems, bad parameters: fail the recipient.</summary>
    Permanent,
    /// <summary>The user stopped marketing messages (131050): fail and opt the contact out.</summary>
    OptOut,
    /// <summary>Token, permission, locked or spam-limited account: pause the campaign.</summary>
    AccountLevel,
}

/// <summary>
/// A Graph API error, parsed from Meta's error envelope (or made up for time-outs and network failures, with the
/// negative codes in <c>CloudApiErrors</c>). <see cref="MayHaveBeenSent"/> is true when the request may have reached
/// Meta before the failure (a time-out, a connection lost mid-request, an unreadable success answer), so a send
/// could have gone out even though no wamid came back.
/// </summary>
public sealed record CloudApiError(
    int Code, int? Subcode, string Title, string? Details, string? TraceId, int? HttpStatus, ErrorClass Class,
    bool MayHaveBeenSent = false)
{
    public override string ToString() => $"({Code}) {Title}" + (Details is { Length: > 0 } d ? $": {d}" : "");
}

/// <summary>Either a value or a classified error; the client never throws for API or network failures.</summary>
public sealed record CloudApiResult<T>(T? Value, CloudApiError? Error)
{
    public bool Succeeded => Error is null;
    public static CloudApiResult<T> Ok(T value) => new(value, null);
    public static CloudApiResult<T> Fail(CloudApiError error) => new(default, error);
}

/// <summary>The Meta WhatsApp Cloud API, as far as this app uses it.</summary>
public interface ICloudApiClient
{
    Task<CloudApiResult<SendAccepted>> SendTemplateAsync(CloudApiTarget target, TemplateMessage message, CancellationToken ct);

    /// <summary>All templates of the target's WABA, following every page.</summary>
    Task<CloudApiResult<IReadOnlyList<RemoteTemplate>>> ListTemplatesAsync(CloudApiTarget target, CancellationToken ct);

    Task<CloudApiResult<PhoneNumberInfo>> GetPhoneNumberAsync(CloudApiTarget target, CancellationToken ct);
}
