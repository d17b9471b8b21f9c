using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Features.Webhooks;

namespace WhatsAppDashboard.Data;

/// <summary>The one database context: Identity plus every feature's entities.</summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<BusinessPortfolio> BusinessPortfolios => Set<BusinessPortfolio>();
    public DbSet<WhatsAppAccount> WhatsAppAccounts => Set<WhatsAppAccount>();
    public DbSet<WhatsAppTemplate> WhatsAppTemplates => Set<WhatsAppTemplate>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<Label> Labels => Set<Label>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CampaignAudienceRow> CampaignAudienceRows => Set<CampaignAudienceRow>();
    public DbSet<CampaignAudienceReject> CampaignAudienceRejects => Set<CampaignAudienceReject>();
    public DbSet<CampaignRecipient> CampaignRecipients => Set<CampaignRecipient>();
    public DbSet<WebhookInboxEntry> WebhookInbox => Set<WebhookInboxEntry>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasPostgresExtension("pg_trgm");
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
        RenameIdentityTables(builder);
        // Last, so that hand-written raw SQL can use plain lower-case names everywhere.
        builder.UseSnakeCaseNames();
    }

    private static void RenameIdentityTables(ModelBuilder builder)
    {
        builder.Entity<AppUser>().ToTable("users");
        builder.Entity<IdentityRole>().ToTable("roles");
        builder.Entity<IdentityUserRole<string>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<string>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<string>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<string>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<string>>().ToTable("role_claims");
    }
}
