using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WhatsAppDashboard.Features.Auth;

public static class Roles
{
    public const string Admin = "Admin";
    public const string Marketer = "Marketer";
    public const string Viewer = "Viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Marketer, Viewer];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role);
}

/// <summary>The three roles are part of the schema: seeded by migration with fixed ids.</summary>
public sealed class RoleSeedConfiguration : IEntityTypeConfiguration<IdentityRole>
{
    public void Configure(EntityTypeBuilder<IdentityRole> builder)
    {
        builder.HasData(
            Seed("9a1d6b52-7d4e-4c55-9d0e-2b8d3a1f0a01", Roles.Admin),
            Seed("9a1d6b52-7d4e-4c55-9d0e-2b8d3a1f0a02", Roles.Marketer),
            Seed("9a1d6b52-7d4e-4c55-9d0e-2b8d3a1f0a03", Roles.Viewer));
    }

    private static IdentityRole Seed(string id, string name) => new()
    {
        Id = id,
        Name = name,
        NormalizedName = name.ToUpperInvariant(),
        ConcurrencyStamp = id,
    };
}
