using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace WhatsAppDashboard.Features.Accounts;

/// <summary>
/// What the account form posts. Secrets are write-only: an empty field on edit keeps the stored value, and the
/// page never fills them in.
/// </summary>
public sealed partial class AccountInput : IValidatableObject
{
    [Required(ErrorMessage = "Enter a name for this number.")]
    [MaxLength(100, ErrorMessage = "Keep the name under 100 characters.")]
    public string Name { get; set; } = "";

    [Required(ErrorMessage = "Enter the phone-number id from Meta's WhatsApp Manager (API Setup).")]
    [MaxLength(64, ErrorMessage = "The phone-number id is at most 64 characters.")]
    [RegularExpression(IdPattern, ErrorMessage = "Use the id exactly as Meta shows it: letters, digits, '-' or '_' only.")]
    public string PhoneNumberId { get; set; } = "";

    [Required(ErrorMessage = "Enter the WhatsApp Business Account (WABA) id.")]
    [MaxLength(64, ErrorMessage = "The WABA id is at most 64 characters.")]
    [RegularExpression(IdPattern, ErrorMessage = "Use the id exactly as Meta shows it: letters, digits, '-' or '_' only.")]
    public string WabaId { get; set; } = "";

    [Required(ErrorMessage = "Enter the business portfolio this number belongs to.")]
    [MaxLength(100, ErrorMessage = "Keep the portfolio name under 100 characters.")]
    public string PortfolioName { get; set; } = "";

    public MessagingLimitTier MessagingLimitTier { get; set; } = MessagingLimitTier.Tier250;

    [Required(ErrorMessage = "Enter the display phone number, for example +1 555 010 0200.")]
    [MaxLength(32, ErrorMessage = "The display number is at most 32 characters.")]
    public string DisplayPhoneNumber { get; set; } = "";

    /// <summary>New access token; empty on edit keeps the stored one.</summary>
    [MaxLength(2000, ErrorMessage = "That access token is too long.")]
    public string? AccessToken { get; set; }

    /// <summary>New app secret; empty on edit keeps the stored one.</summary>
    [MaxLength(500, ErrorMessage = "That app secret is too long.")]
    public string? AppSecret { get; set; }

    /// <summary>New webhook verify token; empty on edit keeps the stored one.</summary>
    [MaxLength(200, ErrorMessage = "Keep the verify token under 200 characters.")]
    public string? WebhookVerifyToken { get; set; }

    [Required(ErrorMessage = "Enter the Graph API version, for example v23.0.")]
    [RegularExpression(@"^\s*v\d{1,3}\.\d{1,2}\s*$", ErrorMessage = "Write the version as Meta does: v23.0.")]
    public string GraphApiVersion { get; set; } = WhatsAppAccount.DefaultGraphApiVersion;

    [MaxLength(300, ErrorMessage = "The API base URL is at most 300 characters.")]
    public string? ApiBaseUrl { get; set; } = WhatsAppAccount.MetaGraphBaseUrl;

    [Range(1, WhatsAppAccount.MaxThroughput, ErrorMessage = "Throughput must be between 1 and 1,000 messages per second.")]
    public int ThroughputPerSecond { get; set; } = WhatsAppAccount.DefaultThroughput;

    public bool IsSandbox { get; set; }

    /// <summary>False by default because an unticked checkbox posts nothing; the new-account page ticks it.</summary>
    public bool IsActive { get; set; }

    private const string IdPattern = @"^\s*[A-Za-z0-9_\-]+\s*$";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var baseUrl = ApiBaseUrl?.Trim() ?? "";
        if (baseUrl.Length == 0)
        {
            if (!IsSandbox)
                yield return new("Enter the Graph API base URL: https://graph.facebook.com for Meta.", [nameof(ApiBaseUrl)]);
        }
        else if (Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri))
        {
            if (uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                yield return new("The API base URL must be an http:// or https:// address without a query, like https://graph.facebook.com.", [nameof(ApiBaseUrl)]);
        }
        else if (!IsSandbox || !baseUrl.StartsWith('/'))
        {
            yield return new(IsSandbox
                ? "For the sandbox, leave the API base URL empty (this app's simulator), or enter a path starting with / or an http(s) address."
                : "The API base URL must be an absolute http:// or https:// address, like https://graph.facebook.com.", [nameof(ApiBaseUrl)]);
        }

        var digits = DisplayPhoneNumber?.Count(char.IsAsciiDigit) ?? 0;
        if (!string.IsNullOrWhiteSpace(DisplayPhoneNumber) && (!DisplayNumberPattern().IsMatch(DisplayPhoneNumber) || digits is < 8 or > 15))
            yield return new("Enter the number as people see it: 8 to 15 digits, optionally with +, spaces, dashes or brackets.", [nameof(DisplayPhoneNumber)]);
    }

    [GeneratedRegex(@"^\s*\+?[0-9 ()\-.]+\s*$")]
    private static partial Regex DisplayNumberPattern();
}
