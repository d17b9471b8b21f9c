using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Contacts;

/// <summary>The rules for label names: trimmed, lower-case, 1 to 50 letters, digits, spaces, '-', '_' or '.'.</summary>
public static class LabelNames
{
    public const int MaxLength = 50;

    /// <summary>The stored form of <paramref name="name"/>, or an error for the user.</summary>
    public static (string? Name, string? Error) Normalize(string? name)
    {
        var value = (name ?? "").Trim().ToLowerInvariant();
        if (value.Length == 0)
            return (null, "Enter a label name.");
        if (value.Length > MaxLength)
            return (null, $"\"{value}\" is longer than {MaxLength} characters.");
        if (!value.All(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_' or '.'))
            return (null, $"\"{value}\" may only contain letters, digits, spaces, '-', '_' and '.'.");
        return (value, null);
    }

    /// <summary>Parses a comma-separated list ("vip, newsletter"); duplicates and blanks are dropped.</summary>
    public static (IReadOnlyList<string> Names, string? Error) ParseList(string? text)
    {
        var names = new List<string>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, error) = Normalize(part);
            if (error is not null)
                return ([], error);
            if (!names.Contains(name!))
                names.Add(name!);
        }
        return (names, null);
    }
}

/// <summary>Creating, renaming and deleting labels.</summary>
public sealed class LabelAdministration(AppDbContext db, AuditLog audit)
{
    public async Task<OperationResult> CreateAsync(string? name, string actor, CancellationToken ct = default)
    {
        var (normalized, error) = LabelNames.Normalize(name);
        if (error is not null)
            return OperationResult.FailField("Name", error);
        if (await db.Labels.AnyAsync(l => l.Name == normalized, ct))
            return OperationResult.FailField("Name", $"The label \"{normalized}\" already exists.");
        db.Labels.Add(new Label { Name = normalized! });
        audit.Record(actor, "labels.create", normalized!);
        return await SaveAsync(normalized!, ct);
    }

    public async Task<OperationResult> RenameAsync(int id, string? name, string actor, CancellationToken ct = default)
    {
        var label = await db.Labels.FirstOrDefaultAsync(l => l.Id == id, ct);
        if (label is null)
            return OperationResult.Fail("That label no longer exists.");
        var (normalized, error) = LabelNames.Normalize(name);
        if (error is not null)
            return OperationResult.Fail(error);
        if (normalized == label.Name)
            return OperationResult.Success;
        if (await db.Labels.AnyAsync(l => l.Name == normalized && l.Id != id, ct))
            return OperationResult.Fail($"The label \"{normalized}\" already exists.");
        audit.Record(actor, "labels.rename", label.Name, $"-> {normalized}");
        label.Name = normalized!;
        return await SaveAsync(normalized!, ct);
    }

    /// <summary>Deletes the label; its contacts stay, without it.</summary>
    public async Task<OperationResult> DeleteAsync(int id, string actor, CancellationToken ct = default)
    {
        var label = await db.Labels.FirstOrDefaultAsync(l => l.Id == id, ct);
        if (label is null)
            return OperationResult.Fail("That label no longer exists.");
        var count = await db.Contacts.CountAsync(c => c.Labels.Any(l => l.Id == id), ct);
        db.Labels.Remove(label);
        audit.Record(actor, "labels.delete", label.Name, $"contacts={count}");
        await db.SaveChangesAsync(ct);
        return OperationResult.Success;
    }

    /// <summary>The ids of the named labels, creating those that do not exist yet (part of the caller's transaction).</summary>
    public static async Task<IReadOnlyList<Label>> EnsureAsync(AppDbContext db, IReadOnlyList<string> names, CancellationToken ct)
    {
        if (names.Count == 0)
            return [];
        // ON CONFLICT: another request may create the same label at the same moment.
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO labels (name) SELECT unnest({names.ToArray()}) ON CONFLICT (name) DO NOTHING", ct);
        return await db.Labels.Where(l => names.Contains(l.Name)).ToListAsync(ct);
    }

    private async Task<OperationResult> SaveAsync(string name, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return OperationResult.Success;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return OperationResult.FailField("Name", $"The label \"{name}\" already exists.");
        }
    }
}
