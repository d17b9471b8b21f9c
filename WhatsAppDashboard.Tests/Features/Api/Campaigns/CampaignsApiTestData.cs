using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WhatsAppDashboard.Tests.Features.Campaigns;

namespace WhatsAppDashboard.Tests.Features.Api.Campaigns;

/// <summary>Request bodies and answers of the campaign endpoints, as an integrator writes and reads them.</summary>
public static class CampaignsApiTestData
{
    /// <summary>A request the wizard would accept for a template with one body variable (<see cref="CampaignsAppFactory.SimpleComponents"/>):
    /// contacts audience, <c>body.1</c> from the name with a fallback, sent when started.</summary>
    public static JsonObject ValidRequest(int accountId, int templateId, string? name = null) => new()
    {
        ["name"] = name ?? "API campaign " + Guid.NewGuid().ToString("N")[..8],
        ["accountId"] = accountId,
        ["templateId"] = templateId,
        ["audience"] = new JsonObject { ["type"] = "contacts", ["labels"] = new JsonArray(), ["labelMatch"] = "any", ["excludeLabels"] = new JsonArray(), ["activeOnly"] = true },
        ["parameterMappings"] = new JsonObject { ["body.1"] = new JsonObject { ["source"] = "field", ["field"] = "name", ["fallback"] = "there" } },
    };

    /// <summary>The same with a list audience, filled by the recipients import.</summary>
    public static JsonObject ListRequest(int accountId, int templateId, string? defaultCountryCode = null)
    {
        var request = ValidRequest(accountId, templateId);
        request["audience"] = new JsonObject { ["type"] = "list" };
        if (defaultCountryCode is not null)
            request["defaultCountryCode"] = defaultCountryCode;
        return request;
    }

    public static Task<HttpResponseMessage> PostNodeAsync(this HttpClient client, string url, JsonNode body) =>
        client.PostAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PutNodeAsync(this HttpClient client, string url, JsonNode body) =>
        client.PutAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string body, string mediaType = "application/json") =>
        client.PostAsync(url, new StringContent(body, Encoding.UTF8, mediaType));

    /// <summary>Creates the campaign and returns its id, failing with the server's answer when it is refused.</summary>
    public static async Task<int> CreateCampaignAsync(this HttpClient client, JsonObject request)
    {
        var response = await client.PostNodeAsync("/api/v1/campaigns", request);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("id").GetInt32();
    }

    public static async Task<JsonElement> GetCampaignAsync(this HttpClient client, int id)
    {
        var response = await client.GetAsync($"/api/v1/campaigns/{id}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    public static async Task<JsonElement> ImportAsync(this HttpClient client, int id, params object[] recipients)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/campaigns/{id}/recipients/import", new { recipients }, ApiClients.Json);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    /// <summary>The messages of a 400 validation problem under <paramref name="field"/> (its camelCase key).</summary>
    public static async Task<string[]> FieldErrorsAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.ProblemAsync(400);
        problem.TryGetProperty("errors", out var errors).Should().BeTrue(problem.ToString());
        errors.TryGetProperty(field, out var messages).Should().BeTrue("the errors should name {0}: {1}", field, errors.ToString());
        return messages.EnumerateArray().Select(m => m.GetString()!).ToArray();
    }

    public static List<string> Names(this JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToList();
}
