using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WhatsAppDashboard.Features.Auth;

/// <summary>A person who signs in to the dashboard. Each user holds exactly one role.</summary>
public sealed class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>Disabled users cannot sign in, and their open sessions end at the next security-stamp check.</summary>
    public bool IsDisabled { get; set; }

    /// <summary>IANA time zone the user's dates are shown in, and the default for schedules they create.</summary>
    public string TimeZoneId { get; set; } = "UTC";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }
}

public sealed class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> builder)
    {
        builder.Property(u => u.DisplayName).HasMaxLength(100);
        builder.Property(u => u.TimeZoneId).HasMaxLength(64);
    }
}
