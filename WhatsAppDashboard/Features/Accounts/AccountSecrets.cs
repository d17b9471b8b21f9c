using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace WhatsAppDashboard.Features.Accounts;

public enum AccountSecretKind { AccessToken, AppSecret }

/// <summary>
/// Encrypts and decrypts an account's access token and app secret with ASP.NET Core Data Protection (keys in the
/// database, shared by every instance). Each kind has its own purpose, so a ciphertext copied from one column to the
/// other does not decrypt. Plaintexts never leave this class except to whoever calls Meta or checks a signature.
/// </summary>
public sealed class AccountSecrets(IDataProtectionProvider provider)
{
    public const string Purpose = "WhatsAppDashboard.Accounts.Secrets.v1";

    private readonly IDataProtector _accessToken = provider.CreateProtector(Purpose, nameof(AccountSecretKind.AccessToken));
    private readonly IDataProtector _appSecret = provider.CreateProtector(Purpose, nameof(AccountSecretKind.AppSecret));

    public string Protect(AccountSecretKind kind, string plaintext) => Protector(kind).Protect(plaintext);

    /// <summary>The plaintext, or null when there is nothing stored or it cannot be decrypted (for example, the key
    /// ring was lost); the account then needs its secret entered again.</summary>
    public string? TryUnprotect(AccountSecretKind kind, string? protectedValue)
    {
        if (string.IsNullOrEmpty(protectedValue))
            return null;
        try
        {
            return Protector(kind).Unprotect(protectedValue);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public string? AccessToken(WhatsAppAccount account) => TryUnprotect(AccountSecretKind.AccessToken, account.AccessTokenProtected);

    public string? AppSecret(WhatsAppAccount account) => TryUnprotect(AccountSecretKind.AppSecret, account.AppSecretProtected);

    private IDataProtector Protector(AccountSecretKind kind) => kind == AccountSecretKind.AccessToken ? _accessToken : _appSecret;
}
