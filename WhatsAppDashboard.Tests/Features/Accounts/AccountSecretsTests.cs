using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Accounts;

/// <summary>Access tokens, app secrets and verify tokens: encrypted at rest, never rendered, never logged.</summary>
public sealed class AccountSecretsTests(LogCapturingAppFactory app) : IClassFixture<LogCapturingAppFactory>
{
    private const string AccessToken = "EAAGm0PX4ZCpsBAPlainTextAccessToken7731";
    private const string AppSecret = "f00dfeedAppSecret9b2c41d7";
    private const string VerifyToken = "verify-me-Quokka-5521";

    [Fact]
    public async Task Secrets_are_encrypted_at_rest_and_appear_in_no_page_log_or_audit_entry()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        var values = AccountForms.ValidValues(name: "Secret keeper");
        values["Input.AccessToken"] = AccessToken;
        values["Input.AppSecret"] = AppSecret;
        values["Input.WebhookVerifyToken"] = VerifyToken;
        var created = await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), values);
        var accountUrl = created.RedirectTarget();
        var accountId = int.Parse(accountUrl.Split('/').Last());

        // At rest: the columns hold ciphertext that only Data Protection turns back into the plaintext.
        var (tokenColumn, secretColumn) = await RawSecretColumnsAsync(accountId);
        tokenColumn.Should().NotBeNullOrEmpty().And.NotContain(AccessToken);
        secretColumn.Should().NotBeNullOrEmpty().And.NotContain(AppSecret);
        var secrets = app.Services.GetRequiredService<AccountSecrets>();
        secrets.TryUnprotect(AccountSecretKind.AccessToken, tokenColumn).Should().Be(AccessToken);
        secrets.TryUnprotect(AccountSecretKind.AppSecret, secretColumn).Should().Be(AppSecret);
        secrets.TryUnprotect(AccountSecretKind.AppSecret, tokenColumn).Should().BeNull("each secret has its own purpose");

        // Rendered: no page shows any of them, the account's own page included.
        var templateId = await AddTemplateAsync(accountId);
        var pages = new[] { "/accounts", accountUrl, "/accounts/new", "/templates", $"/templates?account={accountId}", $"/templates/{templateId}" };
        foreach (var url in pages)
        {
            var html = await (await client.GetAsync(url)).Content.ReadAsStringAsync();
            html.Should().NotContain(AccessToken, url).And.NotContain(AppSecret, url).And.NotContain(VerifyToken, url);
        }
        var edit = await client.GetPageAsync(accountUrl);
        edit.QuerySelector("[data-testid=access-token-state]")!.TextContent.Should().Be("set");
        edit.QuerySelector("[data-testid=app-secret-state]")!.TextContent.Should().Be("set");
        edit.QuerySelector("[data-testid=verify-token-state]")!.TextContent.Should().Be("set");

        // A form that comes back with an error does not echo the secrets either.
        var failed = await client.SubmitAsync(edit.AccountForm(), new Dictionary<string, string>
        {
            ["Input.ThroughputPerSecond"] = "0",
            ["Input.AccessToken"] = AccessToken + "-new",
            ["Input.AppSecret"] = AppSecret + "-new",
            ["Input.WebhookVerifyToken"] = VerifyToken + "-new",
        });
        failed.StatusCode.Should().Be(HttpStatusCode.OK);
        var failedHtml = await failed.Content.ReadAsStringAsync();
        failedHtml.Should().Contain("Throughput must be between 1 and 1,000").And.NotContain(AccessToken).And.NotContain(AppSecret).And.NotContain(VerifyToken);

        // Logged: nothing the app wrote, at any level, contains them.
        app.Logs.Lines.Should().Contain(line => line.Contains("INSERT INTO whatsapp_accounts"), "the capture sees even the SQL that stored them");
        app.Logs.Lines.Should().NotContain(line => line.Contains(AccessToken) || line.Contains(AppSecret) || line.Contains(VerifyToken));

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var audit = await db.AuditEntries.Where(e => e.Target == "Secret keeper").Select(e => e.Details ?? "").ToListAsync();
        audit.Should().NotBeEmpty().And.NotContain(d => d.Contains(AccessToken) || d.Contains(AppSecret) || d.Contains(VerifyToken));
    }

    [Fact]
    public async Task An_empty_replace_field_keeps_the_stored_secret_and_a_filled_one_replaces_it()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        var values = AccountForms.ValidValues(name: "Rotating keys");
        values["Input.AccessToken"] = "first-token-aaaa";
        values["Input.AppSecret"] = "first-secret-bbbb";
        var accountUrl = (await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), values)).RedirectTarget();
        var accountId = int.Parse(accountUrl.Split('/').Last());
        var (tokenBefore, secretBefore) = await RawSecretColumnsAsync(accountId);

        var edit = await client.GetPageAsync(accountUrl);
        edit.QuerySelectorAll("input[type=password]").Should().OnlyContain(i => string.IsNullOrEmpty(i.GetAttribute("value")));
        (await client.SubmitAsync(edit.AccountForm(), new Dictionary<string, string> { ["Input.DisplayPhoneNumber"] = "+62 21 5080 0000" }))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await RawSecretColumnsAsync(accountId)).Should().Be((tokenBefore, secretBefore), "empty replace fields keep what is stored");

        edit = await client.GetPageAsync(accountUrl);
        (await client.SubmitAsync(edit.AccountForm(), new Dictionary<string, string> { ["Input.AccessToken"] = "second-token-cccc" }))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);

        var (tokenAfter, secretAfter) = await RawSecretColumnsAsync(accountId);
        var secrets = app.Services.GetRequiredService<AccountSecrets>();
        secrets.TryUnprotect(AccountSecretKind.AccessToken, tokenAfter).Should().Be("second-token-cccc");
        secrets.TryUnprotect(AccountSecretKind.AppSecret, secretAfter).Should().Be("first-secret-bbbb");

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        (await db.AuditEntries.Where(e => e.Target == "Rotating keys" && e.Action == "accounts.update").OrderBy(e => e.Id).Select(e => e.Details).ToListAsync())
            .Should().Equal("display_number=+62 21 5080 0000", "access_token replaced");
    }

    private async Task<(string? AccessToken, string? AppSecret)> RawSecretColumnsAsync(int accountId)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT access_token_protected, app_secret_protected FROM whatsapp_accounts WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", accountId);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    private async Task<int> AddTemplateAsync(int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var template = new WhatsAppTemplate
        {
            AccountId = accountId, MetaTemplateId = "111", Name = "welcome", Language = "en_US", Category = "UTILITY",
            Status = "APPROVED", ComponentsJson = """[{"type":"BODY","text":"Hello {{1}}"}]""", SyncedAt = new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero),
        };
        db.WhatsAppTemplates.Add(template);
        await db.SaveChangesAsync();
        return template.Id;
    }
}
