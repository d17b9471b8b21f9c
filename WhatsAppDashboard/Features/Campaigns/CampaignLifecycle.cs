using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Scheduling;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>
/// Persists campaign status moves. Each move is ONE guarded update
/// (<c>UPDATE campaigns SET status = … WHERE id = @id AND status IN (allowed sources)</c>), so when two people press
/// Run at once, exactly one update matches and the other is refused with the reason. Also copy and delete, whose
/// rules depend on the status. Every change is audited in the same transaction.
/// </summary>
public sealed class CampaignLifecycle(
    AppDbContext db,
    AuditLog audit,
    TimeProvider clock,
    CampaignLauncher launcher,
    CampaignScheduler scheduler,
    CampaignControl control)
{
    public const string CopyPrefix = "Copy of ";
    private const int NameMaxLength = 200;

    /// <summary>
    /// Moves the campaign to <paramref name="to"/> if, at the moment of the update, its status allows it
    /// (<see cref="CampaignTransitions"/>, narrowed to <paramref name="onlyFrom"/> when given); also sets
    /// <paramref name="alsoSet"/> in the same statement. Refusals carry the reason for the current status.
    /// </summary>
    public async Task<OperationResult> MoveAsync(
        int id, CampaignStatus to, string actor, string auditAction, string? auditDetails = null,
        Action<UpdateSettersBuilder<Campaign>>? alsoSet = null, IReadOnlyCollection<CampaignStatus>? onlyFrom = null,
        CancellationToken ct = default)
    {
        var sources = CampaignTransitions.SourcesOf(to).Where(s => onlyFrom is null || onlyFrom.Contains(s)).ToArray();
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var moved = await db.Campaigns
            .Where(c => c.Id == id && sources.Contains(c.Status))
            .ExecuteUpdateAsync(set =>
            {
                set.SetProperty(c => c.Status, to);
                set.SetProperty(c => c.UpdatedAt, now);
                alsoSet?.Invoke(set);
            }, ct);
        if (moved == 0)
            return await RefusalAsync(id, to, sources, ct);

        var name = await db.Campaigns.Where(c => c.Id == id).Select(c => c.Name).SingleAsync(ct);
        audit.Record(actor, auditAction, AuditTarget(id, name), auditDetails);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return OperationResult.Success;
    }

    /// <summary>Schedule: records <c>scheduled</c> with the next occurrence; the scheduler (dispatch issue) fires it.</summary>
    public async Task<OperationResult> ScheduleAsync(int id, string actor, CancellationToken ct = default)
    {
        var campaign = await LoadAsync(id, ct);
        if (campaign is null)
            return OperationResult.Fail(NotFound);
        if (CampaignReadiness.Problems(campaign) is [var first, ..])
            return OperationResult.Fail(first);
        if (campaign.ScheduleKind == ScheduleKind.Now)
            return OperationResult.Fail("This campaign is set to send now: press Run now, or choose a time on the Schedule step.");
        var schedule = CampaignSchedule.Of(campaign);
        if (schedule?.NextOccurrenceUtc(clock.GetUtcNow()) is not { } next)
            return OperationResult.Fail(schedule is null
                ? "The schedule is incomplete: set it on the Schedule step."
                : "The scheduled time has passed: choose a new one on the Schedule step.");

        var moved = await MoveAsync(id, CampaignStatus.Scheduled, actor, "campaigns.schedule",
            $"next {next.UtcDateTime:yyyy-MM-dd HH:mm} UTC; {schedule.Describe()}",
            set =>
            {
                set.SetProperty(c => c.ScheduledAt, next);
                set.SetProperty(c => c.LastError, (string?)null);
            }, ct: ct);
        if (!moved.Succeeded)
            return moved;
        // After the status is saved: a trigger that fires for a campaign no longer scheduled does nothing.
        if (campaign.ScheduleKind == ScheduleKind.Recurring)
        {
            var occurrence = schedule.Occurrences(clock.GetUtcNow()).First();
            await scheduler.ScheduleOccurrenceAsync(id, occurrence.Utc, DateOnly.FromDateTime(occurrence.Local), ct);
        }
        else
        {
            await scheduler.ScheduleOnceAsync(id, next, ct);
        }
        return moved;
    }

    /// <summary>Run now: records <c>running</c> with its start time; the dispatcher (dispatch issue) picks it up.</summary>
    public async Task<OperationResult> RunNowAsync(int id, string actor, CancellationToken ct = default)
    {
        var campaign = await LoadAsync(id, ct);
        if (campaign is null)
            return OperationResult.Fail(NotFound);
        if (CampaignReadiness.Problems(campaign) is [var first, ..])
            return OperationResult.Fail(first);
        if (campaign.ScheduleKind != ScheduleKind.Now)
            return OperationResult.Fail("This campaign has a schedule: press Schedule, or choose Send now on the Schedule step to run it at once.");

        if (campaign.Status.IsTerminal() || campaign.Status == CampaignStatus.Running)
            return OperationResult.Fail(CampaignTransitions.RefusalFor(campaign.Status, CampaignStatus.Running));
        if (campaign.Status is not (CampaignStatus.Draft or CampaignStatus.Scheduled))
            return OperationResult.Fail($"Only a draft or scheduled campaign can be started here; this one is {campaign.Status.Describe()}.");
        // The starter moves the campaign to running and writes its recipients in one transaction; the dispatcher sends.
        var started = await launcher.LaunchAsync(id, actor, daysLeft: null, ct);
        if (started.Started)
            await scheduler.UnscheduleAsync(id, ct);
        return started.Started ? OperationResult.Success : OperationResult.Fail(started.Message);
    }

    /// <summary>Cancel: from draft, scheduled, running or paused; terminal. Pending recipients become skipped.</summary>
    public async Task<OperationResult> CancelAsync(int id, string actor, CancellationToken ct = default)
    {
        var cancelled = await control.CancelAsync(id, actor, ct);
        return cancelled.Succeeded ? OperationResult.Success : OperationResult.Fail(cancelled.Message);
    }

    /// <summary>Deletes the campaign and (by cascade) its audience rows, unless it is running at that moment.</summary>
    public async Task<OperationResult> DeleteAsync(int id, string actor, CancellationToken ct = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var name = await db.Campaigns.Where(c => c.Id == id).Select(c => c.Name).FirstOrDefaultAsync(ct);
        var deleted = await db.Campaigns
            .Where(c => c.Id == id && c.Status != CampaignStatus.Running)
            .ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            var status = await CurrentStatusAsync(id, ct);
            return OperationResult.Fail(status is null
                ? NotFound
                : $"“{name}” is {status.Value.Describe()}: cancel it (or let it finish) before deleting it.");
        }
        audit.Record(actor, "campaigns.delete", AuditTarget(id, name ?? ""));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await scheduler.UnscheduleAsync(id, ct);
        return OperationResult.Success;
    }

    /// <summary>
    /// A new draft "Copy of X" from any campaign: same account, template, audience, mappings, country code and kind
    /// of schedule, but no times, no counters. A CSV audience's rows and rejects are copied in the database with
    /// one INSERT … SELECT each, so a large upload costs no round trips.
    /// </summary>
    public async Task<(OperationResult Result, int? CopyId)> CopyAsync(int id, ClaimsPrincipal user, CancellationToken ct = default)
    {
        var source = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (source is null)
            return (OperationResult.Fail(NotFound), null);

        var now = clock.GetUtcNow();
        var copy = new Campaign
        {
            Name = Truncate(CopyPrefix + source.Name, NameMaxLength),
            AccountId = source.AccountId,
            TemplateId = source.TemplateId,
            AudienceKind = source.AudienceKind,
            AudienceJson = source.AudienceJson,
            ParameterMappingsJson = source.ParameterMappingsJson,
            DefaultCountryCode = source.DefaultCountryCode,
            ScheduleKind = source.ScheduleKind,
            TimeZoneId = source.TimeZoneId,
            // The times are not copied, so a copy with a schedule still needs its schedule step.
            WizardStep = Math.Min(source.WizardStep, source.ScheduleKind == ScheduleKind.Now ? (int)WizardStep.Schedule : (int)WizardStep.Parameters),
            CreatedById = user.FindFirstValue(ClaimTypes.NameIdentifier),
            CreatedByName = user.Identity?.Name ?? "",
            CreatedAt = now,
            UpdatedAt = now,
        };

        var actor = user.Identity?.Name ?? "unknown";
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Campaigns.Add(copy);
        await db.SaveChangesAsync(ct);
        var rows = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO campaign_audience_rows (campaign_id, row_number, phone, name, fields)
            SELECT {copy.Id}, row_number, phone, name, fields FROM campaign_audience_rows WHERE campaign_id = {source.Id}
            """, ct);
        var rejects = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO campaign_audience_rejects (campaign_id, row_number, fields, reason)
            SELECT {copy.Id}, row_number, fields, reason FROM campaign_audience_rejects WHERE campaign_id = {source.Id}
            """, ct);
        audit.Record(actor, "campaigns.copy", AuditTarget(copy.Id, copy.Name),
            $"from {AuditTarget(source.Id, source.Name)}" + (rows + rejects > 0 ? $"; audience rows={rows}, rejects={rejects}" : ""));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return (OperationResult.Success, copy.Id);
    }

    public static string AuditTarget(int id, string name) => Truncate($"#{id} {name}", 256);

    private const string NotFound = "That campaign does not exist (any more).";

    private Task<Campaign?> LoadAsync(int id, CancellationToken ct) =>
        db.Campaigns.AsNoTracking().Include(c => c.Account).Include(c => c.Template).FirstOrDefaultAsync(c => c.Id == id, ct);

    private Task<CampaignStatus?> CurrentStatusAsync(int id, CancellationToken ct) =>
        db.Campaigns.AsNoTracking().Where(c => c.Id == id).Select(c => (CampaignStatus?)c.Status).FirstOrDefaultAsync(ct);

    /// <summary>Why the guarded update matched nothing, phrased from the status as it is now.</summary>
    private async Task<OperationResult> RefusalAsync(int id, CampaignStatus to, IReadOnlyCollection<CampaignStatus> sources, CancellationToken ct)
    {
        var current = await CurrentStatusAsync(id, ct);
        if (current is null)
            return OperationResult.Fail(NotFound);
        if (CampaignTransitions.IsAllowed(current.Value, to) && !sources.Contains(current.Value))
            return OperationResult.Fail(
                $"Only a {string.Join(" or ", sources.Select(s => s.Describe()))} campaign can be {(to == CampaignStatus.Running ? "started" : "moved")} here; this one is {current.Value.Describe()}.");
        return OperationResult.Fail(CampaignTransitions.RefusalFor(current.Value, to));
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
