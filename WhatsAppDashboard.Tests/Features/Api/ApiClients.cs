using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Api;

/// <summary>How API tests get a key and a client that sends it, and read the answers.</summary>
public static class ApiClients
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Creates a key through the same service the API keys page uses and returns the plain key.</summary>
    public static async Task<string> CreateApiKeyAsync(this AppFactory app, params string[] permissions)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var (result, key) = await scope.ServiceProvider.GetRequiredService<ApiKeyAdministration>()
            .CreateAsync($"test key {Guid.NewGuid():N}"[..20], permissions, "test", null);
        result.Succeeded.Should().BeTrue(result.Error);
        return key!;
    }

    /// <summary>A client that sends <paramref name="key"/> in X-API-Key and keeps no cookies.</summary>
    public static HttpClient ApiClient(this AppFactory app, string? key)
    {
        // An app on Kestrel (to reach its own sandbox) is only served over its real socket.
        var client = app is KestrelAppFactory kestrel
            ? kestrel.CreateHttpClient()
            : app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (key is not null)
            client.DefaultRequestHeaders.Add(ApiKeyTokens.HeaderName, key);
        return client;
    }

    /// <summary>A client whose key carries the given permissions.</summary>
    public static async Task<HttpClient> ApiClientWithAsync(this AppFactory app, params string[] permissions) =>
        app.ApiClient(await app.CreateApiKeyAsync(permissions));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads an RFC 7807 answer, checking its media type and that its status matches the response's.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, int status)
    {
        ((int)response.StatusCode).Should().Be(status, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.JsonAsync();
        problem.GetProperty("status").GetInt32().Should().Be(status);
        problem.GetProperty("title").GetString().Should().NotBeNullOrWhiteSpace();
        return problem;
    }

    public static Task<HttpResponseMessage> PostJsonAsync<T>(this HttpClient client, string url, T body) =>
        client.PostAsJsonAsync(url, body, Json);
}
