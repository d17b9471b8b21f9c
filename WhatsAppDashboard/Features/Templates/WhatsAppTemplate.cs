using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WhatsAppDashboard.Features.Accounts;

namespace WhatsAppDashboard.Features.Templates;

/// <summary>A message template as Meta returns it, synced per account. Only APPROVED ones can be sent.</summary>
public sealed class WhatsAppTemplate
{
    public const string Approved = "APPROVED";

    public int Id { get; set; }
    public int AccountId { get; set; }
    public WhatsAppAccount Account { get; set; } = default!;
    /// <summary>Meta's template id.</summary>
    public string MetaTemplateId { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>Language code, for example <c>en_US</c>.</summary>
    public string Language { get; set; } = "";
    /// <summary>MARKETING, UTILITY or AUTHENTICATION.</summary>
    public string Category { get; set; } = "";
    /// <summary>APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … as Meta reports it.</summary>
    public string Status { get; set; } = "";
    /// <summary>MAX_LENGTH/NAMED or POSITIONAL, as Meta reports <c>parameter_format</c>.</summary>
    public string ParameterFormat { get; set; } = "POSITIONAL";
    /// <summary>The <c>components</c> array exactly as Meta sent it (jsonb).</summary>
    public string ComponentsJson { get; set; } = "[]";
    public DateTimeOffset SyncedAt { get; set; }

    public bool IsSendable => Status == Approved;
}

public sealed class WhatsAppTemplateConfiguration : IEntityTypeConfiguration<WhatsAppTemplate>
{
    public void Configure(EntityTypeBuilder<WhatsAppTemplate> builder)
    {
        builder.ToTable("whatsapp_templates");
        builder.Property(t => t.MetaTemplateId).HasMaxLength(64);
        builder.Property(t => t.Name).HasMaxLength(512);
        builder.Property(t => t.Language).HasMaxLength(16);
        builder.Property(t => t.Category).HasMaxLength(32);
        builder.Property(t => t.Status).HasMaxLength(32);
        builder.Property(t => t.ParameterFormat).HasMaxLength(16);
        builder.Property(t => t.ComponentsJson).HasColumnType("jsonb");
        builder.HasIndex(t => new { t.AccountId, t.Name, t.Language }).IsUnique();
        builder.HasOne(t => t.Account).WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(t => t.IsSendable);
    }
}
