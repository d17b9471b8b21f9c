using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WhatsAppDashboard.Features.Accounts;

namespace WhatsAppDashboard.Features.Webhooks;

/// <summary>
/// One signed webhook body from Meta, stored as received before it is applied, so answering Meta quickly never
/// depends on applying it, and a body that cannot be applied is kept with its error instead of being lost.
/// </summary>
public sealed class WebhookInboxEntry
{
    public long Id { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public int AccountId { get; set; }
    /// <summary>The body exactly as Meta sent it (jsonb).</summary>
    public string Payload { get; set; } = "{}";
    public DateTimeOffset? ProcessedAt { get; set; }
    public int Attempts { get; set; }
    /// <summary>Why the last attempt to apply it failed, if it did.</summary>
    public string? Error { get; set; }
}

public sealed class WebhookInboxEntryConfiguration : IEntityTypeConfiguration<WebhookInboxEntry>
{
    public void Configure(EntityTypeBuilder<WebhookInboxEntry> builder)
    {
        builder.ToTable("webhook_inbox");
        builder.Property(e => e.Payload).HasColumnType("jsonb");
        builder.Property(e => e.Error).HasMaxLength(2000);
        builder.HasOne<WhatsAppAccount>().WithMany().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Cascade);
        // The worker claims the oldest unprocessed rows.
        builder.HasIndex(e => e.Id).HasFilter("processed_at IS NULL").HasDatabaseName("ix_webhook_inbox_unprocessed");
    }
}
