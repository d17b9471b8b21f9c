using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Audit;

/// <summary>
/// Adds audit entries to the current unit of work, so an action and its audit record are saved by the
/// same SaveChanges (and roll back together).
/// </summary>
public sealed class AuditLog(AppDbContext db, TimeProvider clock)
{
    public void Record(string actor, string action, string target, string? details = null) =>
        db.AuditEntries.Add(new AuditEntry
        {
            At = clock.GetUtcNow(),
            Actor = actor,
            Action = action,
            Target = target,
            Details = details,
        });
}

public static class AuditSetup
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AuditLog>();
        return builder;
    }
}
