using System.Security.Cryptography;
using System.Text;

namespace WhatsAppDashboard.Sandbox;

/// <summary>Identifiers that look like Meta's: message ids (wamid) and Graph trace ids.</summary>
public static class SandboxIds
{
    /// <summary>A unique <c>wamid.…</c>: like Meta's, base64 of the counterpart's number and a random part.</summary>
    public static string NewMessageId(string recipientDigits)
    {
        var number = Encoding.ASCII.GetBytes(recipientDigits);
        var bytes = new byte[number.Length + 16];
        number.CopyTo(bytes, 0);
        RandomNumberGenerator.Fill(bytes.AsSpan(number.Length));
        return "wamid." + Convert.ToBase64String(bytes);
    }

    public static string NewTraceId() => "A" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
