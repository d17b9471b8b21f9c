using Microsoft.EntityFrameworkCore;
using Npgsql;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;

namespace WhatsAppDashboard.Features.Accounts;

public sealed record AccountRow(
    int Id, string Name, string DisplayPhoneNumber, string? PortfolioName, MessagingLimitTier? Tier,
    int ThroughputPerSecond, bool IsSandbox, bool IsActive, DateTimeOffset? ConnectionCheckedAt, string? ConnectionCheckResult,
    DateTimeOffset? TemplatesSyncedAt);

/// <summary>An account as its page shows it: every field but the secrets, of which only their presence is told.</summary>
public sealed record AccountDetails(
    int Id, AccountInput Input, bool HasAccessToken, bool HasAppSecret, bool HasWebhookVerifyToken,
    bool IsActive, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? ConnectionCheckedAt, string? ConnectionCheckResult, DateTimeOffset? TemplatesSyncedAt);

public sealed record PortfolioOption(string Name, MessagingLimitTier Tier, int AccountCount);

/// <summary>Creating, editing, deactivating WhatsApp accounts, with their portfolios; every change audited.</summary>
public sealed class AccountAdministration(AppDbContext db, AccountSecrets secrets, AuditLog audit, TimeProvider clock, AccountChanges changes)
{
    public async Task<IReadOnlyList<AccountRow>> ListAsync(CancellationToken ct = default) =>
        await db.WhatsAppAccounts.AsNoTracking()
            .OrderByDescending(a => a.IsActive).ThenBy(a => a.Name)
            .Select(a => new AccountRow(
                a.Id, a.Name, a.DisplayPhoneNumber,
                a.BusinessPortfolio == null ? null : a.BusinessPortfolio.Name,
                a.BusinessPortfolio == null ? null : a.BusinessPortfolio.MessagingLimitTier,
                a.ThroughputPerSecond, a.IsSandbox, a.IsActive, a.ConnectionCheckedAt, a.ConnectionCheckResult, a.TemplatesSyncedAt))
            .ToListAsync(ct);

    public async Task<IReadOnlyList<PortfolioOption>> PortfoliosAsync(CancellationToken ct = default) =>
        await db.BusinessPortfolios.AsNoTracking()
            .OrderBy(p => p.Name)
            .Select(p => new PortfolioOption(p.Name, p.MessagingLimitTier, p.Accounts.Count))
            .ToListAsync(ct);

    public async Task<AccountDetails?> FindAsync(int id, CancellationToken ct = default)
    {
        var account = await db.WhatsAppAccounts.AsNoTracking().Include(a => a.BusinessPortfolio).FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null)
            return null;
        var input = new AccountInput
        {
            Name = account.Name,
            PhoneNumberId = account.PhoneNumberId,
            WabaId = account.WabaId,
            PortfolioName = account.BusinessPortfolio?.Name ?? "",
            MessagingLimitTier = account.BusinessPortfolio?.MessagingLimitTier ?? MessagingLimitTier.Tier250,
            DisplayPhoneNumber = account.DisplayPhoneNumber,
            GraphApiVersion = account.GraphApiVersion,
            ApiBaseUrl = account.ApiBaseUrl,
            ThroughputPerSecond = account.ThroughputPerSecond,
            IsSandbox = account.IsSandbox,
            IsActive = account.IsActive,
            // Secrets stay empty: the form never carries them back to the browser.
        };
        return new AccountDetails(
            account.Id, input, account.AccessTokenProtected is { Length: > 0 }, account.AppSecretProtected is { Length: > 0 },
            account.WebhookVerifyToken.Length > 0, account.IsActive, account.CreatedAt, account.UpdatedAt,
            account.ConnectionCheckedAt, account.ConnectionCheckResult, account.TemplatesSyncedAt);
    }

    public async Task<(OperationResult Result, int? Id)> CreateAsync(AccountInput input, string actor, CancellationToken ct = default)
    {
        var missing = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(input.AccessToken))
            missing[nameof(AccountInput.AccessToken)] = ["Enter the access token (a system-user token from Meta Business Settings)."];
        if (string.IsNullOrWhiteSpace(input.AppSecret))
            missing[nameof(AccountInput.AppSecret)] = ["Enter the Meta app secret: webhooks are checked with it."];
        if (string.IsNullOrWhiteSpace(input.WebhookVerifyToken))
            missing[nameof(AccountInput.WebhookVerifyToken)] = ["Enter a webhook verify token: the same text you give Meta when subscribing the webhook."];
        if (missing.Count > 0)
            return (OperationResult.FailFields(missing), null);

        var now = clock.GetUtcNow();
        var account = new WhatsAppAccount { CreatedAt = now };
        var conflict = await ApplyAsync(account, input, ct);
        if (conflict is not null)
            return (conflict, null);
        db.WhatsAppAccounts.Add(account);
        audit.Record(actor, "accounts.create", account.Name,
            $"phone_number_id={account.PhoneNumberId}, waba_id={account.WabaId}, portfolio={input.PortfolioName.Trim()}, " +
            $"tier={input.MessagingLimitTier}, throughput={account.ThroughputPerSecond}, sandbox={account.IsSandbox}, active={account.IsActive}");
        var saved = await SaveAsync(ct);
        return (saved, saved.Succeeded ? account.Id : null);
    }

    public async Task<OperationResult> UpdateAsync(int id, AccountInput input, string actor, CancellationToken ct = default)
    {
        var account = await db.WhatsAppAccounts.Include(a => a.BusinessPortfolio).FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null)
            return OperationResult.Fail("That account no longer exists.");

        var before = Snapshot(account);
        var conflict = await ApplyAsync(account, input, ct);
        if (conflict is not null)
            return conflict;
        var after = Snapshot(account);
        // Names of what changed, never the values of secrets.
        var changes = after.Where(kv => before[kv.Key] != kv.Value)
            .Select(kv => kv.Key is "access_token" or "app_secret" or "webhook_verify_token" ? kv.Key + " replaced" : $"{kv.Key}={kv.Value}")
            .ToList();
        if (changes.Count == 0)
            return OperationResult.Success;
        audit.Record(actor, "accounts.update", account.Name, string.Join(", ", changes));
        return await SaveAsync(ct);
    }

    public async Task<OperationResult> SetActiveAsync(int id, bool active, string actor, CancellationToken ct = default)
    {
        var account = await db.WhatsAppAccounts.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null)
            return OperationResult.Fail("That account no longer exists.");
        if (account.IsActive == active)
            return OperationResult.Success;
        account.IsActive = active;
        account.UpdatedAt = clock.GetUtcNow();
        audit.Record(actor, active ? "accounts.reactivate" : "accounts.deactivate", account.Name);
        return await SaveAsync(ct);
    }

    /// <summary>Copies the form onto the entity (finding or creating its portfolio); a field error when the name or
    /// phone-number id is already taken.</summary>
    private async Task<OperationResult?> ApplyAsync(WhatsAppAccount account, AccountInput input, CancellationToken ct)
    {
        var name = input.Name.Trim();
        var phoneNumberId = input.PhoneNumberId.Trim();
        var lowerName = name.ToLowerInvariant();
        var others = db.WhatsAppAccounts.Where(a => a.Id != account.Id);
        if (await others.AnyAsync(a => a.Name.ToLower() == lowerName, ct))
            return OperationResult.FailField(nameof(AccountInput.Name), NameTaken(name));
        if (await others.AnyAsync(a => a.PhoneNumberId == phoneNumberId, ct))
            return OperationResult.FailField(nameof(AccountInput.PhoneNumberId), PhoneNumberIdTaken(phoneNumberId));

        account.Name = name;
        account.PhoneNumberId = phoneNumberId;
        account.WabaId = input.WabaId.Trim();
        account.DisplayPhoneNumber = input.DisplayPhoneNumber.Trim();
        account.GraphApiVersion = input.GraphApiVersion.Trim();
        account.ApiBaseUrl = input.ApiBaseUrl?.Trim().TrimEnd('/') ?? "";
        account.ThroughputPerSecond = input.ThroughputPerSecond;
        account.IsSandbox = input.IsSandbox;
        account.IsActive = input.IsActive;
        account.UpdatedAt = clock.GetUtcNow();
        if (!string.IsNullOrWhiteSpace(input.AccessToken))
            account.AccessTokenProtected = secrets.Protect(AccountSecretKind.AccessToken, input.AccessToken.Trim());
        if (!string.IsNullOrWhiteSpace(input.AppSecret))
            account.AppSecretProtected = secrets.Protect(AccountSecretKind.AppSecret, input.AppSecret.Trim());
        if (!string.IsNullOrWhiteSpace(input.WebhookVerifyToken))
            account.WebhookVerifyToken = input.WebhookVerifyToken.Trim();

        var portfolioName = input.PortfolioName.Trim();
        var lowerPortfolio = portfolioName.ToLowerInvariant();
        var portfolio = await db.BusinessPortfolios.FirstOrDefaultAsync(p => p.Name.ToLower() == lowerPortfolio, ct);
        if (portfolio is null)
        {
            portfolio = new BusinessPortfolio { Name = portfolioName };
            db.BusinessPortfolios.Add(portfolio);
        }
        // The tier belongs to the portfolio: changing it here changes it for all of the portfolio's numbers.
        portfolio.MessagingLimitTier = input.MessagingLimitTier;
        account.BusinessPortfolio = portfolio;
        return null;
    }

    private static Dictionary<string, string> Snapshot(WhatsAppAccount a) => new()
    {
        ["name"] = a.Name,
        ["phone_number_id"] = a.PhoneNumberId,
        ["waba_id"] = a.WabaId,
        ["portfolio"] = a.BusinessPortfolio?.Name ?? "",
        ["tier"] = a.BusinessPortfolio?.MessagingLimitTier.ToString() ?? "",
        ["display_number"] = a.DisplayPhoneNumber,
        ["graph_api_version"] = a.GraphApiVersion,
        ["api_base_url"] = a.ApiBaseUrl,
        ["throughput"] = a.ThroughputPerSecond.ToString(),
        ["sandbox"] = a.IsSandbox.ToString(),
        ["active"] = a.IsActive.ToString(),
        // Ciphertexts only serve to notice a replacement; they are never written to the audit log.
        ["access_token"] = a.AccessTokenProtected ?? "",
        ["app_secret"] = a.AppSecretProtected ?? "",
        ["webhook_verify_token"] = a.WebhookVerifyToken,
    };

    /// <summary>Saves; a unique-index violation from a concurrent save becomes the same message the checks give.</summary>
    private async Task<OperationResult> SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            changes.Saved();
            return OperationResult.Success;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            db.ChangeTracker.Clear();
            return unique.ConstraintName switch
            {
                "ix_whatsapp_accounts_name" => OperationResult.FailField(nameof(AccountInput.Name), "Another account already has this name."),
                "ix_whatsapp_accounts_phone_number_id" => OperationResult.FailField(nameof(AccountInput.PhoneNumberId), "Another account already uses this phone-number id."),
                _ => OperationResult.Fail("Someone else changed the accounts at the same moment: try again."),
            };
        }
    }

    private static string NameTaken(string name) => $"An account named \"{name}\" already exists: choose another name.";

    private static string PhoneNumberIdTaken(string id) => $"The phone-number id {id} is already used by another account.";
}
