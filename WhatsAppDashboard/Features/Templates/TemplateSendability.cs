namespace WhatsAppDashboard.Features.Templates;

/// <summary>
/// Which templates campaigns may use: only those Meta has APPROVED. One rule, used by the templates pages and the
/// campaign wizard (in memory and in database queries alike).
/// </summary>
public static class TemplateSendability
{
    /// <summary>What sync records for a template that Meta no longer lists.</summary>
    public const string Deleted = "DELETED";

    public static bool IsSendable(string? status) => status == WhatsAppTemplate.Approved;

    /// <summary>Only the templates campaigns may use.</summary>
    public static IQueryable<WhatsAppTemplate> WhereSendable(this IQueryable<WhatsAppTemplate> templates) =>
        templates.Where(t => t.Status == WhatsAppTemplate.Approved);

    /// <summary>Why a template can or cannot be used, in words for the template's page.</summary>
    public static string Explain(string? status) => status switch
    {
        WhatsAppTemplate.Approved => "Approved by Meta: campaigns can use this template.",
        "PENDING" or "IN_APPEAL" => "Meta is still reviewing this template: campaigns can use it once it is approved.",
        "REJECTED" => "Meta rejected this template: campaigns cannot use it. Edit it in WhatsApp Manager and submit it again.",
        "PAUSED" => "Meta paused this template after poor feedback: campaigns cannot use it until it is active again.",
        "DISABLED" => "Meta disabled this template: campaigns cannot use it.",
        Deleted => "This template is no longer at Meta: campaigns cannot use it.",
        _ => $"Status {status}: campaigns can use only approved templates.",
    };

    /// <summary>Bootstrap badge classes for a status: green approved, amber waiting, red refused, grey gone.</summary>
    public static string BadgeClass(string? status) => status switch
    {
        WhatsAppTemplate.Approved => "text-bg-success",
        "PENDING" or "IN_APPEAL" or "PENDING_DELETION" or "PAUSED" or "LIMIT_EXCEEDED" => "text-bg-warning",
        "REJECTED" or "DISABLED" => "text-bg-danger",
        _ => "text-bg-secondary",
    };
}
