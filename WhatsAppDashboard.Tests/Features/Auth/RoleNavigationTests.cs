using System.Net;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Auth;

/// <summary>Each role sees exactly its sections, and is turned away from the others.</summary>
public sealed class RoleNavigationTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static readonly string[] AllPages = ["/", "/campaigns", "/contacts", "/templates", "/accounts", "/analytics", "/users", "/api-keys"];

    public static TheoryData<string, string[], string[]> Expectations => new()
    {
        {
            Roles.Admin,
            ["Dashboard", "Campaigns", "Contacts", "Templates", "Accounts", "Analytics", "Users", "API keys"],
            ["/", "/campaigns", "/contacts", "/templates", "/accounts", "/analytics", "/users", "/api-keys"]
        },
        {
            Roles.Marketer,
            ["Dashboard", "Campaigns", "Contacts", "Templates", "Analytics"],
            ["/", "/campaigns", "/contacts", "/templates", "/analytics"]
        },
        {
            Roles.Viewer,
            ["Dashboard", "Campaigns", "Analytics"],
            ["/", "/campaigns", "/analytics"]
        },
    };

    [Theory]
    [MemberData(nameof(Expectations))]
    public async Task Each_role_sees_exactly_its_navigation_and_is_refused_elsewhere(string role, string[] navigation, string[] allowed)
    {
        var (client, _) = await app.SignedInClientAsync(role);

        var home = await client.GetPageAsync("/");
        home.NavigationTitles().Should().Equal(navigation);

        foreach (var url in AllPages)
        {
            var response = await client.GetAsync(url);
            if (allowed.Contains(url))
            {
                response.StatusCode.Should().Be(HttpStatusCode.OK, "{0} may open {1}", role, url);
            }
            else
            {
                response.StatusCode.Should().Be(HttpStatusCode.Redirect, "{0} may not open {1}", role, url);
                response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
                var denied = await client.GetAsync(response.Headers.Location);
                denied.StatusCode.Should().Be(HttpStatusCode.Forbidden);
                (await denied.ReadHtmlAsync()).QuerySelector("[data-testid=access-denied]").Should().NotBeNull();
            }
        }
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_from_every_section()
    {
        var client = app.CreateBrowserlessClient();
        foreach (var url in AllPages.Append("/account/password"))
        {
            var response = await client.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/login", url);
        }
    }

    [Fact]
    public async Task An_unknown_address_shows_a_friendly_not_found_page()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);
        var response = await client.GetAsync("/no/such/page");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var page = await response.ReadHtmlAsync();
        page.QuerySelector("h1")!.TextContent.Should().Be("Page not found");
        page.NavigationTitles().Should().Contain("Dashboard", "the page keeps the app shell");
    }

    [Fact]
    public async Task A_post_to_an_unknown_address_is_a_plain_404()
    {
        var (client, _) = await app.SignedInClientAsync(Roles.Viewer);
        var response = await client.PostAsync("/no/such/form", new FormUrlEncodedContent([]));
        response.StatusCode.Should().Be(HttpStatusCode.NotFound, "not a 400 from re-running a page with a POST");
    }
}
