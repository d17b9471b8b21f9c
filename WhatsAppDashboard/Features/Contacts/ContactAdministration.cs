using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Contacts;

/// <summary>The contact form.</summary>
public sealed class ContactInput
{
    [MaxLength(200, ErrorMessage = "The name may have at most 200 characters.")]
    public string? Name { get; set; }

    [Required(ErrorMessage = "Enter a phone number.")]
    public string? Phone { get; set; }

    /// <summary>Applied when the phone is written without + or 00, for example "44".</summary>
    public string? DefaultCountryCode { get; set; }

    /// <summary>One <c>key=value</c> per line.</summary>
    public string? Attributes { get; set; }

    /// <summary>Comma-separated label names; missing labels are created.</summary>
    public string? Labels { get; set; }

    /// <summary>False unless posted: an unticked checkbox sends nothing, so the default must mean "unticked".</summary>
    public bool IsActive { get; set; }

    /// <summary>The empty form for a new contact.</summary>
    public static ContactInput New(string? defaultCountryCode) => new() { DefaultCountryCode = defaultCountryCode, IsActive = true };

    public static ContactInput From(Contact contact) => new()
    {
        Name = contact.Name,
        Phone = contact.Phone,
        Attributes = ContactAttributes.Format(contact.Attributes),
        Labels = string.Join(", ", contact.Labels.Select(l => l.Name).Order()),
        IsActive = contact.IsActive,
    };
}

/// <summary>Reading and writing the <c>key=value</c> lines of the attributes box.</summary>
public static class ContactAttributes
{
    public const int MaxKeyLength = 100;
    public const int MaxValueLength = 1000;

    public static (Dictionary<string, string> Attributes, string? Error) Parse(string? text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
                continue;
            var equals = line.IndexOf('=');
            if (equals <= 0)
                return ([], $"Line {i + 1} (\"{Shorten(line)}\") is not of the form key=value.");
            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (key.Length == 0)
                return ([], $"Line {i + 1} has no key before the =.");
            if (key.Length > MaxKeyLength)
                return ([], $"The key on line {i + 1} is longer than {MaxKeyLength} characters.");
            if (value.Length > MaxValueLength)
                return ([], $"The value on line {i + 1} is longer than {MaxValueLength} characters.");
            if (!attributes.TryAdd(key, value))
                return ([], $"The key \"{key}\" appears twice.");
        }
        return (attributes, null);
    }

    public static string Format(IReadOnlyDictionary<string, string> attributes)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in attributes.OrderBy(a => a.Key, StringComparer.OrdinalIgnoreCase))
            text.Append(key).Append('=').Append(value).Append('\n');
        return text.ToString();
    }

    private static string Shorten(string line) => line.Length > 40 ? line[..40] + "…" : line;
}

/// <summary>The outcome of saving a contact; <see cref="ExistingContactId"/> names the contact that already has the phone.</summary>
public sealed record ContactSaveResult(OperationResult Result, long? ContactId = null, long? ExistingContactId = null)
{
    public bool Succeeded => Result.Succeeded;
}

/// <summary>Creating, editing and deleting contacts, and the opt-out and block switches; every change is audited.</summary>
public sealed class ContactAdministration(AppDbContext db, AuditLog audit, TimeProvider clock)
{
    public async Task<ContactSaveResult> CreateAsync(ContactInput input, string actor, CancellationToken ct = default)
    {
        var contact = new Contact { CreatedAt = clock.GetUtcNow() };
        // One transaction: labels created for this contact disappear again if the contact cannot be saved.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var applied = await ApplyAsync(contact, input, ct);
        if (applied is not null)
            return applied;
        db.Contacts.Add(contact);
        audit.Record(actor, "contacts.create", contact.Phone);
        return await SaveAsync(contact, transaction, ct);
    }

    public async Task<ContactSaveResult> UpdateAsync(long id, ContactInput input, string actor, CancellationToken ct = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var contact = await db.Contacts.Include(c => c.Labels).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null)
            return new ContactSaveResult(OperationResult.Fail("That contact no longer exists."));
        var before = contact.Phone;
        var applied = await ApplyAsync(contact, input, ct);
        if (applied is not null)
            return applied;
        audit.Record(actor, "contacts.update", contact.Phone, before == contact.Phone ? null : $"phone {before} -> {contact.Phone}");
        return await SaveAsync(contact, transaction, ct);
    }

    public async Task<OperationResult> DeleteAsync(long id, string actor, CancellationToken ct = default)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null)
            return OperationResult.Fail("That contact no longer exists.");
        db.Contacts.Remove(contact);
        audit.Record(actor, "contacts.delete", contact.Phone);
        await db.SaveChangesAsync(ct);
        return OperationResult.Success;
    }

    /// <summary>Opting out records when; opting back in is for a person who asked to receive messages again.</summary>
    public async Task<OperationResult> SetOptedOutAsync(long id, bool optedOut, string actor, CancellationToken ct = default)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null)
            return OperationResult.Fail("That contact no longer exists.");
        if (contact.IsOptedOut == optedOut)
            return OperationResult.Success;
        contact.IsOptedOut = optedOut;
        contact.OptedOutAt = optedOut ? clock.GetUtcNow() : null;
        contact.UpdatedAt = clock.GetUtcNow();
        audit.Record(actor, optedOut ? "contacts.optout" : "contacts.optin", contact.Phone);
        await db.SaveChangesAsync(ct);
        return OperationResult.Success;
    }

    public async Task<OperationResult> SetBlockedAsync(long id, bool blocked, string actor, CancellationToken ct = default)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contact is null)
            return OperationResult.Fail("That contact no longer exists.");
        if (contact.IsBlocked == blocked)
            return OperationResult.Success;
        contact.IsBlocked = blocked;
        contact.UpdatedAt = clock.GetUtcNow();
        audit.Record(actor, blocked ? "contacts.block" : "contacts.unblock", contact.Phone);
        await db.SaveChangesAsync(ct);
        return OperationResult.Success;
    }

    /// <summary>Validates the form and copies it onto <paramref name="contact"/>; returns the failure, or null.</summary>
    private async Task<ContactSaveResult?> ApplyAsync(Contact contact, ContactInput input, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var phone = PhoneNumbers.Normalize(input.Phone, input.DefaultCountryCode);
        if (!string.IsNullOrWhiteSpace(input.DefaultCountryCode) && PhoneNumbers.NormalizeCountryCode(input.DefaultCountryCode) is null)
            errors[nameof(ContactInput.DefaultCountryCode)] = ["Use 1 to 3 digits, such as 44 or +91."];
        else if (!phone.IsValid)
            errors[nameof(ContactInput.Phone)] = [phone.Error];
        var name = (input.Name ?? "").Trim();
        if (name.Length > 200)
            errors[nameof(ContactInput.Name)] = ["The name may have at most 200 characters."];
        var (attributes, attributesError) = ContactAttributes.Parse(input.Attributes);
        if (attributesError is not null)
            errors[nameof(ContactInput.Attributes)] = [attributesError];
        var (labelNames, labelsError) = LabelNames.ParseList(input.Labels);
        if (labelsError is not null)
            errors[nameof(ContactInput.Labels)] = [labelsError];
        if (errors.Count > 0)
            return new ContactSaveResult(OperationResult.FailFields(errors));

        var existing = await db.Contacts.Where(c => c.Phone == phone.E164 && c.Id != contact.Id).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);
        if (existing is not null)
            return Duplicate(phone.E164!, existing.Value);

        contact.Phone = phone.E164!;
        contact.Name = name;
        contact.Attributes = attributes;
        contact.IsActive = input.IsActive;
        contact.UpdatedAt = clock.GetUtcNow();
        var labels = await LabelAdministration.EnsureAsync(db, labelNames, ct);
        contact.Labels.RemoveAll(l => !labelNames.Contains(l.Name));
        foreach (var label in labels.Where(l => contact.Labels.All(existingLabel => existingLabel.Id != l.Id)))
            contact.Labels.Add(label);
        return null;
    }

    private async Task<ContactSaveResult> SaveAsync(
        Contact contact, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return new ContactSaveResult(OperationResult.Success, contact.Id);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Someone saved the same number a moment ago.
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            var existing = await db.Contacts.Where(c => c.Phone == contact.Phone).Select(c => c.Id).FirstOrDefaultAsync(ct);
            return Duplicate(contact.Phone, existing);
        }
    }

    private static ContactSaveResult Duplicate(string phone, long existingId) => new(
        OperationResult.FailField(nameof(ContactInput.Phone), $"Another contact already has the number {phone}."),
        ExistingContactId: existingId);
}

/// <summary>The button pressed in a row of actions: "operation:contactId", for example "optout:42".</summary>
public sealed class ContactActionInput
{
    public string Command { get; set; } = "";

    public static (string Operation, long Id) Split(string? command)
    {
        var colon = command?.IndexOf(':') ?? -1;
        return colon > 0 && long.TryParse(command![(colon + 1)..], out var id) ? (command[..colon], id) : ("", 0);
    }
}
