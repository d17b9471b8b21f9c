using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Accounts;

public sealed class AccountPagesTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task An_admin_adds_an_account_and_finds_it_listed_with_its_portfolio_and_tier()
    {
        var (client, admin) = await app.SignedInClientAsync(Roles.Admin);
        var values = AccountForms.ValidValues(name: "Support India");
        values["Input.ThroughputPerSecond"] = "1000";

        var response = await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), values);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.RedirectTarget().Should().MatchRegex(@"^/accounts/\d+$");
        var page = await client.FollowAsync(response);
        page.FlashTexts().Should().ContainSingle().Which.Should().Contain("Support India is added");
        page.QuerySelector("h1")!.TextContent.Should().Be("Support India");
        page.QuerySelector("[data-testid=access-token-state]")!.TextContent.Should().Be("set");

        var list = await client.GetPageAsync("/accounts");
        list.QuerySelector("h1")!.TextContent.Should().Be("WhatsApp accounts");
        var row = list.QuerySelector("tr[data-account='Support India']")!;
        row.TextContent.Should().Contain("+1 555 010 0200").And.Contain("Acme Holdings");
        row.QuerySelector("[data-testid=tier]")!.TextContent.Should().Be("10,000 users / 24 h");
        row.QuerySelector("[data-testid=throughput]")!.TextContent.Should().Be("1,000 msg/s");
        row.QuerySelector("[data-testid=status]")!.TextContent.Should().Be("Active");
        row.QuerySelector("[data-testid=sandbox-badge]").Should().BeNull();
        row.TextContent.Should().Contain("never", "the connection was not checked yet");

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var audit = await db.AuditEntries.SingleAsync(e => e.Action == "accounts.create" && e.Target == "Support India");
        audit.Actor.Should().Be(admin.Email);
    }

    public static TheoryData<string, string, string, string> InvalidInputs => new()
    {
        { "Input.ThroughputPerSecond", "0", "throughput", "Throughput must be between 1 and 1,000 messages per second." },
        { "Input.ThroughputPerSecond", "1001", "throughput", "Throughput must be between 1 and 1,000 messages per second." },
        { "Input.GraphApiVersion", "23.0", "api-version", "Write the version as Meta does: v23.0." },
        { "Input.GraphApiVersion", "latest", "api-version", "Write the version as Meta does: v23.0." },
        { "Input.ApiBaseUrl", "graph.facebook.com", "api-base-url", "The API base URL must be an absolute http:// or https:// address, like https://graph.facebook.com." },
        { "Input.ApiBaseUrl", "ftp://graph.facebook.com", "api-base-url", "The API base URL must be an http:// or https:// address without a query, like https://graph.facebook.com." },
        { "Input.ApiBaseUrl", "", "api-base-url", "Enter the Graph API base URL: https://graph.facebook.com for Meta." },
        { "Input.Name", "", "name", "Enter a name for this number." },
        { "Input.PhoneNumberId", "12 34/56", "phone-number-id", "Use the id exactly as Meta shows it: letters, digits, '-' or '_' only." },
        { "Input.PortfolioName", "", "portfolio", "Enter the business portfolio this number belongs to." },
        { "Input.DisplayPhoneNumber", "call us", "display-number", "Enter the number as people see it: 8 to 15 digits, optionally with +, spaces, dashes or brackets." },
        { "Input.AccessToken", "", "access-token", "Enter the access token (a system-user token from Meta Business Settings)." },
        { "Input.AppSecret", "", "app-secret", "Enter the Meta app secret: webhooks are checked with it." },
        { "Input.WebhookVerifyToken", "", "verify-token", "Enter a webhook verify token: the same text you give Meta when subscribing the webhook." },
    };

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public async Task Invalid_input_is_refused_with_a_message_next_to_the_field(string field, string value, string inputId, string message)
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        var values = AccountForms.ValidValues();
        values[field] = value;

        var response = await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), values);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "the form comes back with the message");
        (await response.ReadHtmlAsync()).ValidationMessageFor(inputId).Should().Be(message);
        (await AccountCountAsync(values["Input.Name"])).Should().Be(0, "nothing is saved");
    }

    [Fact]
    public async Task A_sandbox_account_may_leave_the_base_url_empty_and_is_badged()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        var values = AccountForms.ValidValues(name: "Demo sandbox");
        values["Input.ApiBaseUrl"] = "";
        values["Input.IsSandbox"] = "true";

        var response = await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), values);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var row = (await client.GetPageAsync("/accounts")).QuerySelector("tr[data-account='Demo sandbox']")!;
        row.QuerySelector("[data-testid=sandbox-badge]")!.TextContent.Should().Be("Sandbox");
    }

    [Fact]
    public async Task Names_and_phone_number_ids_must_be_unique()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        var first = AccountForms.ValidValues(name: "Sales Brazil", phoneNumberId: "5511999990000");
        (await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), first)).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var sameName = AccountForms.ValidValues(name: "sales brazil");
        var response = await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), sameName);
        (await response.ReadHtmlAsync()).ValidationMessageFor("name").Should().Be("An account named \"sales brazil\" already exists: choose another name.");

        var sameId = AccountForms.ValidValues(phoneNumberId: "5511999990000");
        response = await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), sameId);
        (await response.ReadHtmlAsync()).ValidationMessageFor("phone-number-id").Should().Be("The phone-number id 5511999990000 is already used by another account.");

        (await AccountCountAsync("sales brazil")).Should().Be(1, "only the first was saved");
    }

    [Fact]
    public async Task Editing_saves_the_changes_shares_the_tier_with_the_portfolio_and_audits_without_secrets()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        var firstValues = AccountForms.ValidValues(name: "Nigeria marketing");
        firstValues["Input.PortfolioName"] = "Lagos Retail";
        var created = await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), firstValues);
        var secondValues = AccountForms.ValidValues(name: "Nigeria service");
        secondValues["Input.PortfolioName"] = "lagos retail";
        (await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), secondValues)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var url = created.RedirectTarget();

        var edit = await client.GetPageAsync(url);
        var form = edit.AccountForm();
        edit.GetElementById("name")!.GetAttribute("value").Should().Be("Nigeria marketing");
        edit.GetElementById("throughput")!.GetAttribute("value").Should().Be("80");
        var response = await client.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.ThroughputPerSecond"] = "20",
            ["Input.MessagingLimitTier"] = nameof(MessagingLimitTier.Tier100K),
            ["Input.GraphApiVersion"] = "v24.0",
        });

        response.RedirectTarget().Should().Be(url);
        (await client.FollowAsync(response)).FlashTexts().Should().ContainSingle().Which.Should().Be("Nigeria marketing is saved.");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var accounts = await db.WhatsAppAccounts.Include(a => a.BusinessPortfolio).Where(a => a.Name.StartsWith("Nigeria")).ToListAsync();
        accounts.Select(a => a.BusinessPortfolioId).Distinct().Should().ContainSingle("both numbers joined the same portfolio, whatever the case");
        accounts.Should().OnlyContain(a => a.BusinessPortfolio!.MessagingLimitTier == MessagingLimitTier.Tier100K, "the tier belongs to the portfolio");
        var edited = accounts.Single(a => a.Name == "Nigeria marketing");
        (edited.ThroughputPerSecond, edited.GraphApiVersion).Should().Be((20, "v24.0"));
        var audit = await db.AuditEntries.SingleAsync(e => e.Action == "accounts.update" && e.Target == "Nigeria marketing");
        audit.Details.Should().Contain("throughput=20").And.Contain("graph_api_version=v24.0").And.Contain("tier=Tier100K");
        audit.Details.Should().NotContain("token").And.NotContain("secret", "secrets were left empty, so kept");
    }

    [Fact]
    public async Task Deactivating_and_reactivating_ask_first_and_are_audited()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        await client.SubmitAsync((await client.GetPageAsync("/accounts/new")).AccountForm(), AccountForms.ValidValues(name: "Germany promos"));

        var list = await client.GetPageAsync("/accounts");
        var deactivate = list.QuerySelector("tr[data-account='Germany promos'] button[value^='deactivate:']")!;
        deactivate.GetAttribute("data-confirm").Should().StartWith("Deactivate Germany promos?");
        var response = await client.SubmitAsync(list.Form("account-actions"), submitter: ("Action.Command", deactivate.GetAttribute("value")!));

        response.RedirectTarget().Should().Be("/accounts");
        list = await client.FollowAsync(response);
        list.FlashTexts().Should().ContainSingle().Which.Should().Be("Germany promos is deactivated: campaigns cannot send from it.");
        list.QuerySelector("tr[data-account='Germany promos'] [data-testid=status]")!.TextContent.Should().Be("Inactive");

        var reactivate = list.QuerySelector("tr[data-account='Germany promos'] button[value^='reactivate:']")!;
        reactivate.GetAttribute("data-confirm").Should().StartWith("Reactivate Germany promos?");
        list = await client.FollowAsync(await client.SubmitAsync(list.Form("account-actions"), submitter: ("Action.Command", reactivate.GetAttribute("value")!)));
        list.QuerySelector("tr[data-account='Germany promos'] [data-testid=status]")!.TextContent.Should().Be("Active");

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        (await db.AuditEntries.Where(e => e.Target == "Germany promos").OrderBy(e => e.Id).Select(e => e.Action).ToListAsync())
            .Should().Equal("accounts.create", "accounts.deactivate", "accounts.reactivate");
    }

    [Fact]
    public async Task An_unknown_account_is_not_found()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Admin);
        (await client.GetAsync("/accounts/999999")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Marketer)]
    public async Task Only_admins_may_open_or_post_to_the_account_pages(string role)
    {
        var accountId = await app.CreateAccountAsync("Guarded " + role, "token-" + role);
        var (client, _) = await app.SignedInClientAsync(role);

        foreach (var url in new[] { "/accounts", "/accounts/new", $"/accounts/{accountId}" })
        {
            var response = await client.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, "{0} may not open {1}", role, url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        }

        // A real antiforgery token from a page this user may open, so only the permission check can refuse.
        var token = (await client.GetPageAsync("/account/password")).QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var posts = new (string Url, Dictionary<string, string> Fields)[]
        {
            ("/accounts", new() { ["_handler"] = "account-actions", ["Action.Command"] = $"deactivate:{accountId}" }),
            ("/accounts/new", new(AccountForms.ValidValues(name: "Sneaky " + role)) { ["_handler"] = "account" }),
            ($"/accounts/{accountId}", new(AccountForms.ValidValues(name: "Renamed " + role)) { ["_handler"] = "account" }),
            ($"/accounts/{accountId}/test-connection", new()),
        };
        foreach (var (url, fields) in posts)
        {
            fields["__RequestVerificationToken"] = token;
            var response = await client.PostAsync(url, new FormUrlEncodedContent(fields));
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, "{0} may not post to {1}", role, url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var account = await db.WhatsAppAccounts.SingleAsync(a => a.Id == accountId);
        (account.Name, account.IsActive, account.ConnectionCheckedAt).Should().Be(("Guarded " + role, true, (DateTimeOffset?)null));
        (await db.WhatsAppAccounts.AnyAsync(a => a.Name == "Sneaky " + role)).Should().BeFalse();
    }

    private async Task<int> AccountCountAsync(string name)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.WhatsAppAccounts.CountAsync(a => a.Name.ToLower() == name.ToLower());
    }
}
