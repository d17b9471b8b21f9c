using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Users;

public sealed class NewUserInput
{
    [Required(ErrorMessage = "Enter an email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    [MaxLength(256)]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter the person's name.")]
    [MaxLength(100)]
    public string DisplayName { get; set; } = "";

    [Required(ErrorMessage = "Choose a role.")]
    public string Role { get; set; } = Roles.Marketer;

    [Required(ErrorMessage = "Enter an initial password.")]
    [MinLength(10, ErrorMessage = "The password needs at least 10 characters.")]
    [MaxLength(128)]
    public string Password { get; set; } = "";
}

public sealed record UserRow(
    string Id, string Email, string DisplayName, string Role, bool IsDisabled, bool IsLockedOut,
    DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt);

/// <summary>Creating users, changing roles, disabling: with the guards that keep at least one working admin.</summary>
public sealed class UserAdministration(
    UserManager<AppUser> users,
    AppDbContext db,
    AuditLog audit,
    TimeProvider clock)
{
    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var rows = await (
            from u in db.Users
            join ur in db.UserRoles on u.Id equals ur.UserId into userRoles
            from ur in userRoles.DefaultIfEmpty()
            join r in db.Roles on ur.RoleId equals r.Id into roles
            from r in roles.DefaultIfEmpty()
            orderby u.Email
            select new { u.Id, u.Email, u.DisplayName, Role = r.Name, u.IsDisabled, u.LockoutEnd, u.CreatedAt, u.LastSignInAt })
            .ToListAsync(ct);
        return rows
            .GroupBy(r => r.Id)
            .Select(g => g.First())
            .Select(r => new UserRow(r.Id, r.Email ?? "", r.DisplayName, r.Role ?? "", r.IsDisabled,
                r.LockoutEnd is { } end && end > now, r.CreatedAt, r.LastSignInAt))
            .ToList();
    }

    public async Task<OperationResult> CreateAsync(NewUserInput input, string actor, CancellationToken ct = default)
    {
        if (!Roles.IsKnown(input.Role))
            return OperationResult.FailField(nameof(NewUserInput.Role), "Choose Admin, Marketer or Viewer.");
        var email = input.Email.Trim();
        if (await users.FindByEmailAsync(email) is not null)
            return OperationResult.FailField(nameof(NewUserInput.Email), $"A user with the email {email} already exists.");

        var user = new AppUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = input.DisplayName.Trim(),
            CreatedAt = clock.GetUtcNow(),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var created = await users.CreateAsync(user, input.Password);
        if (!created.Succeeded)
            return FromIdentity(created, nameof(NewUserInput.Password));
        var roleAdded = await users.AddToRoleAsync(user, input.Role);
        if (!roleAdded.Succeeded)
            return FromIdentity(roleAdded, nameof(NewUserInput.Role));
        audit.Record(actor, "users.create", email, $"role={input.Role}");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return OperationResult.Success;
    }

    public async Task<OperationResult> ChangeRoleAsync(string userId, string role, string actor, CancellationToken ct = default)
    {
        if (!Roles.IsKnown(role))
            return OperationResult.Fail("Choose Admin, Marketer or Viewer.");
        var user = await users.FindByIdAsync(userId);
        if (user is null)
            return OperationResult.Fail("That user no longer exists.");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await LockAdminChangesAsync(ct);
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role)
            return OperationResult.Success;
        if (current.Contains(Roles.Admin) && role != Roles.Admin && !await AnotherActiveAdminExistsAsync(user.Id, ct))
            return OperationResult.Fail("This is the only active admin: make someone else an admin first.");

        var removed = await users.RemoveFromRolesAsync(user, current);
        if (!removed.Succeeded)
            return FromIdentity(removed, "Role");
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
            return FromIdentity(added, "Role");
        // New permissions reach the user's open sessions at the next stamp check.
        await users.UpdateSecurityStampAsync(user);
        audit.Record(actor, "users.role", user.Email ?? user.Id, $"{string.Join(",", current)} -> {role}");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return OperationResult.Success;
    }

    public async Task<OperationResult> SetDisabledAsync(string userId, bool disabled, string actorUserId, string actor, CancellationToken ct = default)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
            return OperationResult.Fail("That user no longer exists.");
        if (disabled && user.Id == actorUserId)
            return OperationResult.Fail("You cannot disable your own account.");
        if (user.IsDisabled == disabled)
            return OperationResult.Success;

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await LockAdminChangesAsync(ct);
        if (disabled && await users.IsInRoleAsync(user, Roles.Admin) && !await AnotherActiveAdminExistsAsync(user.Id, ct))
            return OperationResult.Fail("This is the only active admin: make someone else an admin first.");

        user.IsDisabled = disabled;
        audit.Record(actor, disabled ? "users.disable" : "users.enable", user.Email ?? user.Id);
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
            return FromIdentity(updated, "User");
        await users.UpdateSecurityStampAsync(user);
        await transaction.CommitAsync(ct);
        return OperationResult.Success;
    }

    public async Task<OperationResult> UnlockAsync(string userId, string actor, CancellationToken ct = default)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
            return OperationResult.Fail("That user no longer exists.");
        audit.Record(actor, "users.unlock", user.Email ?? user.Id);
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        return OperationResult.Success;
    }

    /// <summary>
    /// Serialises changes that could remove an admin, so two admins demoting each other at the same moment
    /// cannot both pass the "another admin exists" check. Held until the transaction ends.
    /// </summary>
    private Task LockAdminChangesAsync(CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtext('users.admin-set'))", ct);

    private async Task<bool> AnotherActiveAdminExistsAsync(string exceptUserId, CancellationToken ct)
    {
        var adminRoleId = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).SingleAsync(ct);
        return await (
            from ur in db.UserRoles
            join u in db.Users on ur.UserId equals u.Id
            where ur.RoleId == adminRoleId && u.Id != exceptUserId && !u.IsDisabled
            select u.Id).AnyAsync(ct);
    }

    private static OperationResult FromIdentity(IdentityResult result, string field) =>
        OperationResult.FailFields(new Dictionary<string, string[]>
        {
            [field] = result.Errors.Select(e => e.Description).ToArray(),
        });
}
