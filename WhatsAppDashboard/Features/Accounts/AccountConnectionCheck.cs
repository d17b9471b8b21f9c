using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Accounts;

/// <summary>What "Test connection" found; <see cref="Summary"/> is shown to the admin and stored on the account.</summary>
public sealed record ConnectionCheckOutcome(bool AccountFound, bool Succeeded, string Summary);

/// <summary>"Test connection": asks the Graph API about the account's phone number and remembers the answer.</summary>
public sealed class AccountConnectionCheck(AppDbContext db, CloudApiTargets targets, ICloudApiClient cloudApi, TimeProvider clock)
{
    private const int MaxResultLength = 1000;

    /// <summary>Succeeds when Meta answered for the number; either way the outcome is stored on the account.</summary>
    public async Task<ConnectionCheckOutcome> RunAsync(int accountId, CancellationToken ct = default)
    {
        var account = await db.WhatsAppAccounts.FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
            return new(false, false, "That account no longer exists.");

        var target = targets.For(account);
        string summary;
        bool succeeded;
        if (!target.Succeeded)
        {
            (succeeded, summary) = (false, target.Error!);
        }
        else
        {
            var answer = await cloudApi.GetPhoneNumberAsync(target.Target!, ct);
            (succeeded, summary) = answer.Succeeded
                ? (true, Describe(account, answer.Value!))
                : (false, $"Meta refused: {answer.Error} ({Explain(answer.Error!.Class)})");
        }

        account.ConnectionCheckedAt = clock.GetUtcNow();
        account.ConnectionCheckResult = (succeeded ? "OK: " : "Failed: ") + summary;
        if (account.ConnectionCheckResult.Length > MaxResultLength)
            account.ConnectionCheckResult = account.ConnectionCheckResult[..MaxResultLength];
        await db.SaveChangesAsync(ct);
        return new(true, succeeded, summary);
    }

    private static string Describe(WhatsAppAccount account, PhoneNumberInfo info)
    {
        var parts = new List<string> { info.DisplayPhoneNumber };
        if (info.VerifiedName is { Length: > 0 } name)
            parts.Add($"verified name {name}");
        if (info.QualityRating is { Length: > 0 } quality)
            parts.Add($"quality {quality}");
        if (info.Throughput is { Length: > 0 } throughput)
            parts.Add($"throughput {throughput}");
        if (info.MessagingLimitTier is { Length: > 0 } tier)
            parts.Add($"messaging limit {tier}");
        var text = string.Join(" · ", parts);
        if (Digits(info.DisplayPhoneNumber) != Digits(account.DisplayPhoneNumber))
            text += $". Note: Meta shows {info.DisplayPhoneNumber}, this account says {account.DisplayPhoneNumber}.";
        return text;
    }

    private static string Digits(string value) => new(value.Where(char.IsAsciiDigit).ToArray());

    private static string Explain(ErrorClass errorClass) => errorClass switch
    {
        ErrorClass.AccountLevel => "check the access token and its permissions",
        ErrorClass.Transient => "temporary, try again shortly",
        ErrorClass.RetryLater => "try again later",
        _ => "check the phone-number id, WABA id and API version",
    };
}
