using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Contacts;

/// <summary>A person we may message, keyed by their E.164 phone number.</summary>
public sealed class Contact
{
    public long Id { get; set; }
    /// <summary>E.164 with the leading plus, for example <c>+14155550100</c>. Unique.</summary>
    public string Phone { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>Free-form fields (city, plan, …) usable as template parameters (jsonb).</summary>
    public Dictionary<string, string> Attributes { get; set; } = [];
    public List<Label> Labels { get; set; } = [];
    public bool IsOptedOut { get; set; }
    public DateTimeOffset? OptedOutAt { get; set; }
    public bool IsBlocked { get; set; }
    public bool IsActive { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A tag on contacts (<c>vip</c>, <c>newsletter</c>); audiences select by labels.</summary>
public sealed class Label
{
    public int Id { get; set; }
    /// <summary>Lower-case, unique.</summary>
    public string Name { get; set; } = "";
    public List<Contact> Contacts { get; set; } = [];
}

public sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> builder)
    {
        builder.Property(c => c.Phone).HasMaxLength(16);
        builder.Property(c => c.Name).HasMaxLength(200);
        // Stored as a jsonb object; filters use SQL's `attributes ->> 'key'`.
        builder.Property(c => c.Attributes).HasColumnType("jsonb").HasConversion(JsonDictionary.Converter, JsonDictionary.Comparer);
        builder.HasIndex(c => c.Phone).IsUnique();
        builder.HasIndex(c => c.Name);
        builder.HasIndex(c => new { c.CreatedAt, c.Id });
        // Trigram indexes serve the list's "contains" search (ILIKE '%…%') on a large contact book.
        builder.HasIndex(c => c.Name, "ix_contacts_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
        builder.HasIndex(c => c.Phone, "ix_contacts_phone_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
        builder.HasMany(c => c.Labels).WithMany(l => l.Contacts).UsingEntity<Dictionary<string, object>>(
            "contact_labels",
            right => right.HasOne<Label>().WithMany().HasForeignKey("LabelId").OnDelete(DeleteBehavior.Cascade),
            left => left.HasOne<Contact>().WithMany().HasForeignKey("ContactId").OnDelete(DeleteBehavior.Cascade),
            join => join.HasKey("ContactId", "LabelId"));
    }
}

public sealed class LabelConfiguration : IEntityTypeConfiguration<Label>
{
    public void Configure(EntityTypeBuilder<Label> builder)
    {
        builder.Property(l => l.Name).HasMaxLength(50);
        builder.HasIndex(l => l.Name).IsUnique();
    }
}
