using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WhatsAppDashboard.Features.Accounts;

/// <summary>Meta's cap on unique users a portfolio may start conversations with per rolling 24 hours.</summary>
public enum MessagingLimitTier
{
    Tier250,
    Tier2K,
    Tier10K,
    Tier100K,
    Unlimited,
}

public static class MessagingLimitTiers
{
    /// <summary>Unique recipients per rolling 24 hours; null means unlimited.</summary>
    public static int? UniqueRecipientsPer24Hours(this MessagingLimitTier tier) => tier switch
    {
        MessagingLimitTier.Tier250 => 250,
        MessagingLimitTier.Tier2K => 2_000,
        MessagingLimitTier.Tier10K => 10_000,
        MessagingLimitTier.Tier100K => 100_000,
        _ => null,
    };

    public static string Label(this MessagingLimitTier tier) =>
        tier.UniqueRecipientsPer24Hours() is { } n ? $"{n:N0} users / 24 h" : "Unlimited";
}

/// <summary>A Meta business portfolio: its messaging limit is shared by all of its phone numbers.</summary>
public sealed class BusinessPortfolio
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Meta's business id, when known.</summary>
    public string? MetaBusinessId { get; set; }
    public MessagingLimitTier MessagingLimitTier { get; set; } = MessagingLimitTier.Tier250;
    public List<WhatsAppAccount> Accounts { get; set; } = [];
}

public sealed class BusinessPortfolioConfiguration : IEntityTypeConfiguration<BusinessPortfolio>
{
    public void Configure(EntityTypeBuilder<BusinessPortfolio> builder)
    {
        builder.Property(p => p.Name).HasMaxLength(100);
        builder.Property(p => p.MetaBusinessId).HasMaxLength(64);
        builder.Property(p => p.MessagingLimitTier).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(p => p.Name).IsUnique();
    }
}
