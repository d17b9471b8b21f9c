using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>
/// One valid person of an uploaded CSV (or an API-imported list), normalised when uploaded and kept until the
/// campaign runs, when it becomes a recipient. Written in bulk.
/// </summary>
public sealed class CampaignAudienceRow
{
    public long Id { get; set; }
    public int CampaignId { get; set; }
    /// <summary>Row number as the user sees it in the file (the header is row 1).</summary>
    public int RowNumber { get; set; }
    /// <summary>E.164.</summary>
    public string Phone { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>Every column of the row by header name (jsonb): all of them are mapping sources.</summary>
    public Dictionary<string, string> Fields { get; set; } = [];
}

/// <summary>A CSV row that was refused, kept so the rejects can be downloaded with their reasons.</summary>
public sealed class CampaignAudienceReject
{
    public long Id { get; set; }
    public int CampaignId { get; set; }
    public int RowNumber { get; set; }
    /// <summary>The row's raw values by header name (jsonb).</summary>
    public Dictionary<string, string> Fields { get; set; } = [];
    public string Reason { get; set; } = "";
}

public sealed class CampaignAudienceRowConfiguration : IEntityTypeConfiguration<CampaignAudienceRow>
{
    public void Configure(EntityTypeBuilder<CampaignAudienceRow> builder)
    {
        builder.Property(r => r.Phone).HasMaxLength(16);
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.Fields).HasColumnType("jsonb").HasConversion(JsonDictionary.Converter, JsonDictionary.Comparer);
        builder.HasIndex(r => new { r.CampaignId, r.RowNumber });
        builder.HasOne<Campaign>().WithMany().HasForeignKey(r => r.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CampaignAudienceRejectConfiguration : IEntityTypeConfiguration<CampaignAudienceReject>
{
    public void Configure(EntityTypeBuilder<CampaignAudienceReject> builder)
    {
        builder.Property(r => r.Reason).HasMaxLength(500);
        builder.Property(r => r.Fields).HasColumnType("jsonb").HasConversion(JsonDictionary.Converter, JsonDictionary.Comparer);
        builder.HasIndex(r => new { r.CampaignId, r.RowNumber });
        builder.HasOne<Campaign>().WithMany().HasForeignKey(r => r.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}
