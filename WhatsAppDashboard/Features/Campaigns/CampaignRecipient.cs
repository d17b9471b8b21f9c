using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>Where one recipient's message stands. Statuses from Meta only move forward: sent &lt; delivered &lt; read.</summary>
public enum RecipientStatus
{
    Pending,
    /// <summary>Claimed and handed to the Cloud API; never sent again without an explicit retry.</summary>
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
    /// <summary>Not sent on purpose: invalid number, opted out, duplicate, or the campaign was cancelled.</summary>
    Skipped,
    /// <summary>The process stopped while the request was in flight and no webhook said what happened.</summary>
    Unknown,
}

/// <summary>One person reached by one campaign run, with the parameters frozen when the run started.</summary>
public sealed class CampaignRecipient
{
    public long Id { get; set; }
    public int CampaignId { get; set; }
    public long? ContactId { get; set; }
    /// <summary>E.164; empty only for a skipped row whose number could not be read.</summary>
    public string Phone { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>The message's parameters as resolved at start (jsonb), so later edits to contacts change nothing.</summary>
    public string ParametersJson { get; set; } = "{}";
    public RecipientStatus Status { get; set; } = RecipientStatus.Pending;
    /// <summary>Meta's message id (wamid) once accepted.</summary>
    public string? MessageId { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public int Attempts { get; set; }
    /// <summary>Not to be sent before this time (back-off after a transient error, or the pair-rate limit).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? SendingAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
    /// <summary>Text of the quick-reply button the recipient pressed, if any.</summary>
    public string? ButtonClicked { get; set; }
    public string? ButtonPayload { get; set; }
    public DateTimeOffset? RepliedAt { get; set; }
}

public sealed class CampaignRecipientConfiguration : IEntityTypeConfiguration<CampaignRecipient>
{
    public void Configure(EntityTypeBuilder<CampaignRecipient> builder)
    {
        builder.Property(r => r.Phone).HasMaxLength(16);
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.ParametersJson).HasColumnType("jsonb");
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.MessageId).HasMaxLength(128);
        builder.Property(r => r.ErrorMessage).HasMaxLength(1000);
        builder.Property(r => r.ButtonClicked).HasMaxLength(200);
        builder.Property(r => r.ButtonPayload).HasMaxLength(1000);
        builder.HasOne<Campaign>().WithMany().HasForeignKey(r => r.CampaignId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.CampaignId, r.Status });
        builder.HasIndex(r => r.MessageId).IsUnique().HasFilter("message_id IS NOT NULL");
        // The trailing-24-hour messaging-limit count reads recent sends.
        builder.HasIndex(r => r.SentAt).HasFilter("sent_at IS NOT NULL");
        builder.HasIndex(r => new { r.CampaignId, r.Phone });
        // Pages and exports of one campaign's recipients in id order, without walking other campaigns' rows.
        builder.HasIndex(r => new { r.CampaignId, r.Id });
    }
}
