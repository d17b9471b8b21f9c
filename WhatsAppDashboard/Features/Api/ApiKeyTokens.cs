using System.Security.Cryptography;
using System.Text;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// Makes and hashes keys. A key is <c>wad_</c> + 8 characters of prefix + <c>_</c> + 40 random characters
/// (about 240 bits), so one unsalted SHA-256 is enough: nobody can guess such a key from its hash, and a fast
/// hash lets every request be checked with one indexed lookup.
/// </summary>
public static class ApiKeyTokens
{
    public const string HeaderName = "X-API-Key";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const int PrefixLength = 12; // "wad_" + 8

    public static (string Key, string Prefix, string Hash) Create()
    {
        var key = $"wad_{RandomNumberGenerator.GetString(Alphabet, 8)}_{RandomNumberGenerator.GetString(Alphabet, 40)}";
        return (key, key[..PrefixLength], Hash(key));
    }

    public static string Hash(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A cheap shape check, so garbage headers never reach the database.</summary>
    public static bool LooksLikeKey(string? value) =>
        value is { Length: 53 } && value.StartsWith("wad_", StringComparison.Ordinal) && value[12] == '_';
}
