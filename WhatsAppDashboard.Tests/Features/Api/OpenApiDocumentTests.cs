using System.Net;
using System.Text.Json;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Api;

/// <summary>The OpenAPI document at /openapi/v1.json and the page that renders it.</summary>
public sealed class OpenApiDocumentTests(AppFactory app) : IClassFixture<AppFactory>
{
    /// <summary>Issue 7's routes that this branch serves.</summary>
    public static readonly (string Method, string Path)[] ResourceRoutes =
    [
        ("get", "/api/v1/accounts"),
        ("get", "/api/v1/templates"),
        ("post", "/api/v1/templates/sync"),
        ("get", "/api/v1/contacts"),
        ("post", "/api/v1/contacts"),
        ("post", "/api/v1/contacts/import"),
    ];

    /// <summary>Issue 7's campaign and dashboard routes, served from the api-campaigns and dashboard branches.</summary>
    public static readonly (string Method, string Path)[] CampaignAndDashboardRoutes =
    [
        ("get", "/api/v1/campaigns"),
        ("post", "/api/v1/campaigns"),
        ("get", "/api/v1/campaigns/status-counts"),
        ("get", "/api/v1/campaigns/{id}"),
        ("put", "/api/v1/campaigns/{id}"),
        ("delete", "/api/v1/campaigns/{id}"),
        ("post", "/api/v1/campaigns/{id}/recipients/import"),
        ("get", "/api/v1/campaigns/{id}/recipients"),
        ("post", "/api/v1/campaigns/{id}/start"),
        ("post", "/api/v1/campaigns/{id}/schedule"),
        ("post", "/api/v1/campaigns/{id}/pause"),
        ("post", "/api/v1/campaigns/{id}/resume"),
        ("post", "/api/v1/campaigns/{id}/cancel"),
        ("post", "/api/v1/campaigns/{id}/retry"),
        ("post", "/api/v1/campaigns/{id}/quick-run"),
        ("get", "/api/v1/campaigns/{id}/button-clicks"),
        ("get", "/api/v1/dashboard"),
    ];

    [Fact]
    public async Task The_document_lists_every_route_of_issue_7_served_here_with_responses_and_the_key_requirement()
    {
        var document = await DocumentAsync();

        AssertDescribed(document, ResourceRoutes);
    }

    [Fact]
    public async Task The_document_lists_every_campaign_and_dashboard_route_of_issue_7()
    {
        var document = await DocumentAsync();

        AssertDescribed(document, CampaignAndDashboardRoutes);
        // A campaign is created from a body the handler reads itself: the document still shows its schema.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var createBody = document.GetProperty("paths").GetProperty("/api/v1/campaigns").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Resolve(schemas, createBody).GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .Should().Contain(["name", "accountId", "templateId", "audience", "parameterMappings"]);
    }

    [Fact]
    public async Task The_document_describes_only_the_api_with_the_api_key_scheme_and_problem_details()
    {
        var document = await DocumentAsync();

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.Should().OnlyContain(p => p.StartsWith("/api/v1/"), "pages, webhooks, the sandbox and form endpoints are not the API");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString())
            .Should().Be(("apiKey", "header", "X-API-Key"));
        document.GetProperty("security")[0].TryGetProperty("ApiKey", out _).Should().BeTrue("every operation needs the key");

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var import = document.GetProperty("paths").GetProperty("/api/v1/contacts/import").GetProperty("post");
        import.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name)
            .Should().Contain(["application/json", "multipart/form-data"]);
        var upsertBody = document.GetProperty("paths").GetProperty("/api/v1/contacts").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Resolve(schemas, upsertBody).GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .Should().Contain(["phoneNumber", "defaultCountryCode", "name", "attributes", "labels"]);
        var importOk = import.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var importSchema = Resolve(schemas, importOk);
        importSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .Should().Contain(["imported", "updated", "duplicates", "invalid", "errors"]);
        var badRequest = import.GetProperty("responses").GetProperty("400").GetProperty("content");
        badRequest.TryGetProperty("application/problem+json", out _).Should().BeTrue();

        var list = document.GetProperty("paths").GetProperty("/api/v1/contacts").GetProperty("get");
        list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString())
            .Should().Contain(["search", "label", "page", "pageSize"]);
        var pageSize = list.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "pageSize");
        pageSize.GetProperty("schema").GetProperty("type").GetString().Should().Be("integer");
        pageSize.GetProperty("description").GetString().Should().Contain("100");
        var page = Resolve(schemas, list.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        page.GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().Contain(["items", "total", "page", "pageSize"]);
    }

    [Fact]
    public async Task The_docs_page_is_served_from_the_app_itself_and_points_at_the_document()
    {
        var client = app.CreateBrowserlessClient();

        var redirect = await client.GetAsync("/api/docs");
        var index = await client.GetAsync("/api/docs/index.html");
        var script = await client.GetAsync("/api/docs/index.js");
        var bundle = await client.GetAsync("/api/docs/swagger-ui-bundle.js");

        redirect.StatusCode.Should().BeOneOf(HttpStatusCode.MovedPermanently, HttpStatusCode.Redirect, HttpStatusCode.OK);
        index.StatusCode.Should().Be(HttpStatusCode.OK, "anyone may read how the API works");
        var html = await index.Content.ReadAsStringAsync();
        html.Should().Contain("swagger-ui").And.NotContainAny("http://", "https://", "//cdn", "unpkg", "jsdelivr");
        script.StatusCode.Should().Be(HttpStatusCode.OK);
        (await script.Content.ReadAsStringAsync()).Should().Contain("/openapi/v1.json");
        bundle.StatusCode.Should().Be(HttpStatusCode.OK);
        bundle.Content.Headers.ContentType!.MediaType.Should().Contain("javascript");
    }

    private static void AssertDescribed(JsonElement document, IEnumerable<(string Method, string Path)> routes)
    {
        var paths = document.GetProperty("paths");
        foreach (var (method, path) in routes)
        {
            paths.TryGetProperty(path, out var item).Should().BeTrue("{0} should be in the document", path);
            item.TryGetProperty(method, out var operation).Should().BeTrue("{0} {1} should be in the document", method.ToUpperInvariant(), path);
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            responses.Should().Contain(r => r.StartsWith('2'), "{0} {1} should describe its success", method, path);
            responses.Should().Contain(["401", "403", "429"], "{0} {1} should describe the key's problems", method, path);
            operation.GetProperty("responses").GetProperty("401").GetProperty("content").TryGetProperty("application/problem+json", out _)
                .Should().BeTrue();
        }
    }

    private async Task<JsonElement> DocumentAsync()
    {
        // No key, no sign-in: the contract is public, the data behind it is not.
        var response = await app.CreateBrowserlessClient().GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.JsonAsync();
    }

    private static JsonElement Resolve(JsonElement schemas, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;
}
