using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Sandbox;

/// <summary>The simulated Graph API as any HTTP client sees it: no sign-in, no antiforgery, Meta's JSON.</summary>
public sealed class SandboxEndpointTests(SandboxEndpointTests.Factory app) : IClassFixture<SandboxEndpointTests.Factory>
{
    public sealed class Factory : SandboxAppFactory
    {
        protected override IReadOnlyDictionary<string, string?> SandboxSettings => new Dictionary<string, string?>
        {
            ["Sandbox:ExtraTemplates"] = "30",
            ["Sandbox:DisplayPhoneNumber"] = "+1 202-555-0100",
        };
    }

    private HttpClient Graph()
    {
        var client = app.CreateHttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.AccessToken);
        return client;
    }

    [Fact]
    public async Task Template_pages_hold_25_by_default_and_link_the_next_page_by_absolute_URL_until_the_last()
    {
        using var client = Graph();

        var first = await client.GetFromJsonAsync<JsonElement>("/sandbox/graph/v23.0/123/message_templates?fields=name,status");
        first.GetProperty("data").GetArrayLength().Should().Be(25);
        first.GetProperty("data")[0].EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["id", "name", "status"]);
        var next = first.GetProperty("paging").GetProperty("next").GetString()!;
        next.Should().StartWith(app.BaseUrl + "/sandbox/graph/v23.0/123/message_templates?").And.Contain("fields=name");

        var second = await client.GetFromJsonAsync<JsonElement>(next);
        second.GetProperty("data").GetArrayLength().Should().Be(10, "35 templates in all");
        second.GetProperty("paging").TryGetProperty("next", out _).Should().BeFalse("it is the last page");
        second.GetProperty("paging").GetProperty("cursors").GetProperty("after").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_forged_cursor_or_a_bad_limit_is_Metas_invalid_parameter()
    {
        using var client = Graph();

        var cursor = await client.GetAsync("/sandbox/graph/v23.0/123/message_templates?after=bm90LWEtY3Vyc29y");
        var limit = await client.GetAsync("/sandbox/graph/v23.0/123/message_templates?limit=-3");

        foreach (var response in new[] { cursor, limit })
        {
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32().Should().Be(100);
        }
    }

    [Fact]
    public async Task Phone_info_returns_the_requested_fields_and_the_configured_display_number()
    {
        using var client = Graph();

        var info = await client.GetFromJsonAsync<JsonElement>("/sandbox/graph/v23.0/555/?fields=display_phone_number,messaging_limit_tier");

        info.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["id", "display_phone_number", "messaging_limit_tier"]);
        info.GetProperty("display_phone_number").GetString().Should().Be("+1 202-555-0100");
    }

    [Fact]
    public async Task An_unknown_graph_version_is_refused_like_Meta()
    {
        using var client = Graph();

        var response = await client.GetAsync("/sandbox/graph/latest/555");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32().Should().Be(100);
    }

    [Fact]
    public async Task A_missing_token_is_401_with_Metas_envelope_and_no_sign_in_redirect()
    {
        using var client = app.CreateHttpClient();

        var response = await client.PostAsync("/sandbox/graph/v23.0/555/messages",
            new StringContent("""{"messaging_product":"whatsapp"}""", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().Contain("invalid_token");
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        (error.GetProperty("code").GetInt32(), error.GetProperty("type").GetString()).Should().Be((190, "OAuthException"));
    }

    [Fact]
    public async Task Malformed_JSON_is_Metas_invalid_parameter()
    {
        using var client = Graph();

        var response = await client.PostAsync("/sandbox/graph/v23.0/555/messages", new StringContent("{not json", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32().Should().Be(100);
    }

    [Fact]
    public async Task Stats_count_accepted_messages_per_recipient_and_reset_clears_them()
    {
        var to = SandboxAppFactory.NewRecipient();
        var target = app.Target();
        var message = new TemplateMessage(to, "welcome_offer", "en_US", null, [new("Ana"), new("X")], [], null);
        await app.CloudApi.SendTemplateAsync(target, message, CancellationToken.None);
        await app.CloudApi.SendTemplateAsync(app.Target(), message, CancellationToken.None);
        await app.CloudApi.SendTemplateAsync(app.Target(), message with { TemplateName = "nope" }, CancellationToken.None);

        var stats = await app.StatsAsync();
        stats.GetProperty("acceptedByRecipient").GetProperty(to.TrimStart('+')).GetInt32().Should().Be(2);
        stats.GetProperty("recipientsWithMoreThanOne").GetInt32().Should().BeGreaterThanOrEqualTo(1);
        stats.GetProperty("rejectedByCode").GetProperty("132001").GetInt64().Should().BeGreaterThanOrEqualTo(1);

        using var client = app.CreateHttpClient();
        (await client.PostAsync("/sandbox/stats/reset", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var after = await app.StatsAsync();
        after.GetProperty("accepted").GetInt64().Should().Be(0);
        after.GetProperty("acceptedByRecipient").EnumerateObject().Should().BeEmpty();
        after.GetProperty("recentRequests").GetArrayLength().Should().Be(0);
    }
}

/// <summary>With <c>Sandbox:Enabled</c> false the sandbox is not there at all.</summary>
public sealed class SandboxDisabledTests(SandboxDisabledTests.Factory app) : IClassFixture<SandboxDisabledTests.Factory>
{
    public sealed class Factory : AppFactory
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings =>
            new Dictionary<string, string?> { ["Sandbox:Enabled"] = "false" };
    }

    [Theory]
    [InlineData("GET", "/sandbox/stats")]
    [InlineData("POST", "/sandbox/stats/reset")]
    [InlineData("GET", "/sandbox/graph/v23.0/123/message_templates")]
    [InlineData("POST", "/sandbox/graph/v23.0/123/messages")]
    public async Task Every_sandbox_endpoint_is_not_found(string method, string path)
    {
        var client = app.CreateBrowserlessClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sandbox-access-token");

        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Sandbox:Enabled");
    }
}
