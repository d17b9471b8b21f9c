using AngleSharp.Html.Dom;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Accounts;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>Filling the account form, and creating accounts directly for tests that need one to exist.</summary>
public static class AccountForms
{
    private static int _counter;

    /// <summary>Valid values for every field of the account form; tests override what they care about.</summary>
    public static Dictionary<string, string> ValidValues(string? name = null, string? phoneNumberId = null)
    {
        var n = Interlocked.Increment(ref _counter);
        return new Dictionary<string, string>
        {
            ["Input.Name"] = name ?? $"Support line {n}",
            ["Input.PhoneNumberId"] = phoneNumberId ?? $"10{n:D10}",
            ["Input.WabaId"] = $"20{n:D10}",
            ["Input.PortfolioName"] = "Acme Holdings",
            ["Input.MessagingLimitTier"] = nameof(MessagingLimitTier.Tier10K),
            ["Input.DisplayPhoneNumber"] = "+1 555 010 0200",
            ["Input.AccessToken"] = $"EAAG-token-{n}",
            ["Input.AppSecret"] = $"app-secret-{n}",
            ["Input.WebhookVerifyToken"] = $"verify-{n}",
            ["Input.GraphApiVersion"] = "v23.0",
            ["Input.ApiBaseUrl"] = "https://graph.facebook.com",
            ["Input.ThroughputPerSecond"] = "80",
        };
    }

    public static IHtmlFormElement AccountForm(this AngleSharp.Dom.IDocument page) => page.Form("account");

    /// <summary>Adds an account through the service the account page uses; returns its id.</summary>
    public static async Task<int> CreateAccountAsync(
        this AppFactory app, string name, string accessToken, string wabaId = "waba-1", string? phoneNumberId = null,
        bool isSandbox = false, string apiBaseUrl = "https://graph.facebook.com", string displayPhoneNumber = "+44 20 7946 0018")
    {
        await using var scope = app.Services.CreateAsyncScope();
        var (result, id) = await scope.ServiceProvider.GetRequiredService<AccountAdministration>().CreateAsync(new AccountInput
        {
            Name = name,
            PhoneNumberId = phoneNumberId ?? "pn-" + Guid.NewGuid().ToString("N")[..12],
            WabaId = wabaId,
            PortfolioName = "Test portfolio",
            MessagingLimitTier = MessagingLimitTier.Tier2K,
            DisplayPhoneNumber = displayPhoneNumber,
            AccessToken = accessToken,
            AppSecret = "app-secret-of-" + name,
            WebhookVerifyToken = "verify-" + name,
            GraphApiVersion = "v23.0",
            ApiBaseUrl = apiBaseUrl,
            ThroughputPerSecond = 80,
            IsSandbox = isSandbox,
            IsActive = true,
        }, "test");
        result.Succeeded.Should().BeTrue(result.Error);
        return id!.Value;
    }
}
