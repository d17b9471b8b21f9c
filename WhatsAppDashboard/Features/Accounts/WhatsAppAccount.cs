using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WhatsAppDashboard.Features.Accounts;

/// <summary>One WhatsApp Business phone number we send from.</summary>
public sealed class WhatsAppAccount
{
    public const int DefaultThroughput = 80;
    public const int MaxThroughput = 1000;
    public const string DefaultGraphApiVersion = "v23.0";
    public const string MetaGraphBaseUrl = "https://graph.facebook.com";

    public int Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Meta's phone-number id: the path segment messages are sent to.</summary>
    public string PhoneNumberId { get; set; } = "";
    /// <summary>WhatsApp Business Account id: templates are listed under it.</summary>
    public string WabaId { get; set; } = "";
    public int? BusinessPortfolioId { get; set; }
    public BusinessPortfolio? BusinessPortfolio { get; set; }
    public string DisplayPhoneNumber { get; set; } = "";

    /// <summary>Data Protection ciphertext; never rendered, never logged. See <c>AccountSecrets</c>.</summary>
    public string? AccessTokenProtected { get; set; }
    /// <summary>Data Protection ciphertext of the Meta app secret (webhook signatures).</summary>
    public string? AppSecretProtected { get; set; }
    public string WebhookVerifyToken { get; set; } = "";

    public string GraphApiVersion { get; set; } = DefaultGraphApiVersion;
    /// <summary>Graph API root; the sandbox account points at the app's own simulator.</summary>
    public string ApiBaseUrl { get; set; } = MetaGraphBaseUrl;
    /// <summary>Messages per second Meta allows this number (80 by default, 1,000 upgraded, 20 when shared with the Business app).</summary>
    public int ThroughputPerSecond { get; set; } = DefaultThroughput;

    public bool IsSandbox { get; set; }
    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? TemplatesSyncedAt { get; set; }
    public DateTimeOffset? ConnectionCheckedAt { get; set; }
    /// <summary>What the last "Test connection" answered, for the account page.</summary>
    public string? ConnectionCheckResult { get; set; }
}

public sealed class WhatsAppAccountConfiguration : IEntityTypeConfiguration<WhatsAppAccount>
{
    public void Configure(EntityTypeBuilder<WhatsAppAccount> builder)
    {
        builder.ToTable("whatsapp_accounts");
        builder.Property(a => a.Name).HasMaxLength(100);
        builder.Property(a => a.PhoneNumberId).HasMaxLength(64);
        builder.Property(a => a.WabaId).HasMaxLength(64);
        builder.Property(a => a.DisplayPhoneNumber).HasMaxLength(32);
        builder.Property(a => a.WebhookVerifyToken).HasMaxLength(200);
        builder.Property(a => a.GraphApiVersion).HasMaxLength(16);
        builder.Property(a => a.ApiBaseUrl).HasMaxLength(300);
        builder.Property(a => a.ConnectionCheckResult).HasMaxLength(1000);
        builder.HasIndex(a => a.PhoneNumberId).IsUnique();
        builder.HasIndex(a => a.Name).IsUnique();
        builder.HasOne(a => a.BusinessPortfolio).WithMany(p => p.Accounts).HasForeignKey(a => a.BusinessPortfolioId).OnDelete(DeleteBehavior.SetNull);
    }
}
