using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>Where a campaign's recipients come from.</summary>
public enum AudienceKind
{
    /// <summary>Contacts selected by labels, activity and an attribute (<see cref="Campaign.AudienceJson"/>).</summary>
    Contacts,
    /// <summary>Rows of an uploaded CSV file, stored as <see cref="CampaignAudienceRow"/>s.</summary>
    Csv,
    /// <summary>A named <c>IAudienceProvider</c> written in C#.</summary>
    Named,
    /// <summary>Recipients imported through the API, stored as <see cref="CampaignAudienceRow"/>s.</summary>
    List,
}

public enum ScheduleKind
{
    /// <summary>Sent when someone presses Run.</summary>
    Now,
    /// <summary>Once, at a local time in <see cref="Campaign.TimeZoneId"/>.</summary>
    Once,
    /// <summary>Every occurrence of <see cref="Campaign.Recurrence"/> between two dates.</summary>
    Recurring,
}

public enum RecurrenceFrequency
{
    Daily,
    Weekly,
    SemiMonthly,
    Monthly,
    SemiAnnually,
    Annually,
}

/// <summary>One template sent to one audience, once or on a recurrence.</summary>
public sealed class Campaign
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public int? AccountId { get; set; }
    public WhatsAppAccount? Account { get; set; }
    public int? TemplateId { get; set; }
    public WhatsAppTemplate? Template { get; set; }
    public CampaignStatus Status { get; private set; } = CampaignStatus.Draft;

    public AudienceKind AudienceKind { get; set; } = AudienceKind.Contacts;
    /// <summary>The audience's settings as JSON (jsonb): the contacts filter, or the provider key, or the CSV's column choices.</summary>
    public string AudienceJson { get; set; } = "{}";
    /// <summary>Variable key (<c>header.1</c>, <c>body.2</c>, <c>body.name</c>, <c>button.0.1</c>) → mapping, as JSON (jsonb).</summary>
    public string ParameterMappingsJson { get; set; } = "{}";
    /// <summary>Digits applied to audience numbers written without a leading + or 00.</summary>
    public string? DefaultCountryCode { get; set; }

    public ScheduleKind ScheduleKind { get; set; } = ScheduleKind.Now;
    /// <summary>IANA zone the schedule is expressed in.</summary>
    public string TimeZoneId { get; set; } = "UTC";
    /// <summary>For <see cref="ScheduleKind.Once"/>: the wall-clock time in <see cref="TimeZoneId"/>.</summary>
    public DateTime? ScheduledLocalTime { get; set; }
    /// <summary>The next time the campaign fires, in UTC (derived from the schedule when it is saved).</summary>
    public DateTimeOffset? ScheduledAt { get; set; }
    public RecurrenceFrequency? Recurrence { get; set; }
    public TimeOnly? RecurrenceTime { get; set; }
    public DateOnly? RecurrenceStart { get; set; }
    public DateOnly? RecurrenceEnd { get; set; }

    /// <summary>For one occurrence of a recurring campaign: the campaign it was run from.</summary>
    public int? ParentCampaignId { get; set; }
    /// <summary>For one occurrence of a recurring campaign: the local date it stands for.</summary>
    public DateOnly? OccurrenceDate { get; set; }

    /// <summary>The furthest wizard step completed (1 basics … 5 review), so the wizard knows where to resume.</summary>
    public int WizardStep { get; set; }

    public int TotalCount { get; set; }
    public int SentCount { get; set; }
    public int DeliveredCount { get; set; }
    public int ReadCount { get; set; }
    public int FailedCount { get; set; }
    public int SkippedCount { get; set; }
    public int RepliedCount { get; set; }
    public int ButtonClickCount { get; set; }

    public string? CreatedById { get; set; }
    public string CreatedByName { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? LastError { get; set; }

    public bool CanEdit => Status.AllowsEditing();
    public bool CanDelete => Status.AllowsDeleting();

    /// <summary>
    /// Moves to <paramref name="to"/> in memory, or throws <see cref="CampaignStateException"/> with the reason.
    /// Persist with <c>CampaignLifecycle</c>, whose guarded update makes two concurrent moves impossible.
    /// </summary>
    public void MoveTo(CampaignStatus to)
    {
        if (!CampaignTransitions.IsAllowed(Status, to))
            throw new CampaignStateException(CampaignTransitions.RefusalFor(Status, to));
        Status = to;
    }

    public void EnsureEditable()
    {
        if (!CanEdit)
            throw new CampaignStateException($"The campaign is {Status.Describe()}: only drafts and scheduled campaigns can be changed.");
    }
}

public sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.AudienceKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.AudienceJson).HasColumnType("jsonb");
        builder.Property(c => c.ParameterMappingsJson).HasColumnType("jsonb");
        builder.Property(c => c.DefaultCountryCode).HasMaxLength(4);
        builder.Property(c => c.ScheduleKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.TimeZoneId).HasMaxLength(64);
        builder.Property(c => c.ScheduledLocalTime).HasColumnType("timestamp without time zone");
        builder.Property(c => c.Recurrence).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.CreatedById).HasMaxLength(450);
        builder.Property(c => c.CreatedByName).HasMaxLength(256);
        builder.Property(c => c.LastError).HasMaxLength(2000);
        builder.HasOne(c => c.Account).WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(c => c.Template).WithMany().HasForeignKey(c => c.TemplateId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => c.Status);
        builder.HasIndex(c => c.CreatedAt);
        builder.HasIndex(c => c.ScheduledAt);
        builder.HasOne<Campaign>().WithMany().HasForeignKey(c => c.ParentCampaignId).OnDelete(DeleteBehavior.SetNull);
        // One run per occurrence, even when two instances fire the same schedule.
        builder.HasIndex(c => new { c.ParentCampaignId, c.OccurrenceDate }).IsUnique().HasFilter("parent_campaign_id IS NOT NULL");
        builder.Ignore(c => c.CanEdit);
        builder.Ignore(c => c.CanDelete);
    }
}
