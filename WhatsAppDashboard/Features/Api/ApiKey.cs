using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// A key an integrator sends in <c>X-API-Key</c>. Only its SHA-256 hash is stored; the key itself is shown once.
/// </summary>
public sealed class ApiKey
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The key's first characters (<c>wad_</c> and eight more), enough to recognise it in a list.</summary>
    public string Prefix { get; set; } = "";
    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public string KeyHash { get; set; } = "";
    /// <summary>Permission names (<see cref="Auth.Permissions"/>) the key carries.</summary>
    public List<string> Permissions { get; set; } = [];
    public string? CreatedById { get; set; }
    public string CreatedByName { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    public bool IsRevoked => RevokedAt is not null;
}

public sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Prefix).HasMaxLength(16);
        builder.Property(k => k.KeyHash).HasMaxLength(64);
        builder.Property(k => k.CreatedByName).HasMaxLength(200);
        builder.HasIndex(k => k.KeyHash).IsUnique();
    }
}
