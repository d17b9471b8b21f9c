using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Features.Dispatch;

namespace WhatsAppDashboard.Tests.Features.Api.Campaigns;

/// <summary>
/// A campaign run by an integrator through the API alone, against the sandbox over real HTTP with the dispatcher on:
/// create, import 1,000 recipients, start, poll until completed, and check the counters against the recipients endpoint.
/// </summary>
public sealed class CampaignsApiEndToEndTests(PatientDispatchAppFactory app) : IClassFixture<PatientDispatchAppFactory>
{
    private const int People = 1000;

    [Fact]
    public async Task An_api_only_campaign_of_a_thousand_recipients_runs_to_completed_with_consistent_counters()
    {
        var account = await app.CreateSandboxAccountAsync();
        var key = await app.CreateApiKeyAsync(Permissions.CampaignsView, Permissions.CampaignsCreate, Permissions.CampaignsExecute);
        using var client = app.CreateHttpClient();
        client.DefaultRequestHeaders.Add(ApiKeyTokens.HeaderName, key);

        var request = CampaignsApiTestData.ListRequest(account.AccountId, account.TemplateId);
        request["parameterMappings"] = new JsonObject
        {
            ["body.1"] = new JsonObject { ["source"] = "field", ["field"] = "name", ["fallback"] = "there" },
            ["body.2"] = new JsonObject { ["source"] = "field", ["field"] = "coupon", ["fallback"] = "SAVE20" },
        };
        var id = await client.CreateCampaignAsync(request);

        var phones = DispatchTestData.NewPhones(People);
        var people = phones.Select((phone, i) => new Dictionary<string, object?>
        {
            ["phoneNumber"] = phone,
            ["name"] = $"Person {i:D4}",
            ["coupon"] = i % 2 == 0 ? $"CODE{i:D4}" : null,
        }).ToList();
        var import = await client.PostAsJsonAsync($"/api/v1/campaigns/{id}/recipients/import", new { recipients = people }, ApiClients.Json);
        import.StatusCode.Should().Be(HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
        (await import.JsonAsync()).GetProperty("imported").GetInt32().Should().Be(People);

        var start = await client.PostAsync($"/api/v1/campaigns/{id}/start", null);
        start.StatusCode.Should().Be(HttpStatusCode.Accepted, await start.Content.ReadAsStringAsync());

        var campaign = await PollUntilFinishedAsync(client, id);
        campaign.GetProperty("status").GetString().Should().Be("completed", campaign.ToString());
        campaign.GetProperty("totalCount").GetInt32().Should().Be(People);
        campaign.GetProperty("sentCount").GetInt32().Should().Be(People);
        campaign.GetProperty("failedCount").GetInt32().Should().Be(0);
        campaign.GetProperty("completedAt").ValueKind.Should().Be(JsonValueKind.String);

        // Every recipient, through the API's own paging, matches the counters one by one.
        var recipients = new List<JsonElement>();
        for (var page = 1; page <= People / 100; page++)
        {
            var answer = await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?page={page}&pageSize=100")).JsonAsync();
            answer.GetProperty("total").GetInt32().Should().Be(People);
            recipients.AddRange(answer.GetProperty("items").EnumerateArray());
        }
        recipients.Select(r => r.GetProperty("phoneNumber").GetString()).Should().BeEquivalentTo(phones);
        var byStatus = recipients.GroupBy(r => r.GetProperty("status").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        (byStatus.GetValueOrDefault("sent") + byStatus.GetValueOrDefault("delivered") + byStatus.GetValueOrDefault("read"))
            .Should().Be(campaign.GetProperty("sentCount").GetInt32());
        byStatus.GetValueOrDefault("failed").Should().Be(campaign.GetProperty("failedCount").GetInt32());
        recipients.Should().OnlyContain(r => r.GetProperty("messageId").GetString()!.Length > 0 && r.GetProperty("sentAt").ValueKind == JsonValueKind.String);
        var sentFilter = await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?status=sent&pageSize=1")).JsonAsync();
        sentFilter.GetProperty("total").GetInt32().Should().Be(byStatus.GetValueOrDefault("sent"));
        await app.CountersShouldMatchRowsAsync(id);

        // The sandbox accepted each number exactly once, with the values the mappings chose.
        var accepted = await app.AcceptedByPhoneAsync();
        phones.Should().OnlyContain(p => accepted.GetValueOrDefault(p) == 1);
        (await app.ReceivedRequestToAsync(phones[2].TrimStart('+'))).GetRawText().Should().Contain("Person 0002").And.Contain("CODE0002");
        (await app.ReceivedRequestToAsync(phones[3].TrimStart('+'))).GetRawText().Should().Contain("Person 0003").And.Contain("SAVE20");
    }

    /// <summary>Polls the campaign until it leaves running; the time limit only stops a broken run from hanging the suite.</summary>
    private static async Task<JsonElement> PollUntilFinishedAsync(HttpClient client, int id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            var campaign = await client.GetCampaignAsync(id);
            if (campaign.GetProperty("status").GetString() is not ("running" or "draft"))
                return campaign;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Campaign {id} is still running: {campaign}");
            await Task.Delay(200);
        }
    }
}

/// <summary>
/// The dispatch test app with the production-like patience of a 15 s Graph API time-out: this test proves what the API
/// reports about a run, not how the dispatcher copes with time-outs, so a busy machine must not turn sends into unknowns.
/// </summary>
public sealed class PatientDispatchAppFactory : DispatchAppFactory
{
    protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
    {
        ["CloudApi:TimeoutSeconds"] = "15",
        ["Dispatch:StaleSendingAfterSeconds"] = "60",
    };
}
