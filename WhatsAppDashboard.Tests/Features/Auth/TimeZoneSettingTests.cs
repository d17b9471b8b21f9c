using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Auth;

/// <summary>"Your time zone": stored on the user, valid IANA ids only, and in effect at once.</summary>
public sealed class TimeZoneSettingTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Choosing_a_zone_changes_how_times_are_shown_without_signing_in_again()
    {
        var (client, user) = await app.SignedInClientAsync(Roles.Viewer);

        var home = await client.GetPageAsync("/");
        home.QuerySelector("a.dropdown-item[href='/account/settings']")!.TextContent.Should().Contain("Settings");
        var page = await client.GetPageAsync("/account/settings");
        page.QuerySelector("h1")!.TextContent.Should().Be("Settings");
        page.QuerySelector("#time-zone option[selected]")!.TextContent.Should().Be("UTC");

        var response = await client.SubmitAsync(page.Form("time-zone"), new Dictionary<string, string> { ["Input.TimeZoneId"] = "Asia/Tokyo" });

        response.RedirectTarget().Should().Be("/account/settings");
        var after = await client.GetPageAsync("/account/settings");
        after.FlashTexts().Should().Contain("Times are now shown in Asia/Tokyo.");
        after.QuerySelector("#time-zone option[selected]")!.TextContent.Should().Be("Asia/Tokyo", "the new sign-in cookie carries the zone");
        after.QuerySelector("[data-testid=zone-now]").Text().Should().Contain("(UTC+09:00)");
        await using var scope = app.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(user.Email);
        stored!.TimeZoneId.Should().Be("Asia/Tokyo");
        (await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEntries.Where(e => e.Action == "users.time-zone" && e.Target == user.Email)
            .Select(e => e.Details).SingleAsync()).Should().Be("UTC -> Asia/Tokyo");
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons", "“Mars/Olympus_Mons” is not a known IANA time zone (for example Europe/London or America/New_York).")]
    [InlineData("Tokyo Standard Time", "“Tokyo Standard Time” is not a known IANA time zone (for example Europe/London or America/New_York).")]
    [InlineData("", "Choose a time zone.")]
    public async Task Unknown_zones_and_Windows_ids_are_refused(string posted, string message)
    {
        var (client, user) = await app.SignedInClientAsync(Roles.Marketer);
        var page = await client.GetPageAsync("/account/settings");

        var result = await (await client.SubmitAsync(page.Form("time-zone"), new Dictionary<string, string> { ["Input.TimeZoneId"] = posted })).ReadHtmlAsync();

        result.ValidationMessageFor("time-zone").Should().Be(message);
        await using var scope = app.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(user.Email))!.TimeZoneId.Should().Be("UTC");
    }
}
