using System.Net;
using System.Net.Http.Headers;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Features.Dispatch;
using WhatsAppDashboard.Tests.Features.Webhooks;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Api;

/// <summary>
/// Mutated JSON bodies (see <see cref="InputCorpus.JsonBodies"/>) for every POST endpoint of the API that writes:
/// never a server error; a refusal is a problem document with a title, and writes nothing (rows counted before and
/// after each request). The valid seed of each endpoint must be accepted, so a missing endpoint (404) fails the test.
/// </summary>
public sealed class ApiPostCorpusTests(DispatchAppFactory app) : IClassFixture<DispatchAppFactory>
{
    private const int BodiesPerEndpoint = 150;

    [Fact]
    public async Task Mutated_json_bodies_never_cause_a_server_error_and_a_refused_one_writes_nothing()
    {
        var account = await app.CreateSandboxAccountAsync();
        var client = app.ApiClient(await app.CreateApiKeyAsync(Permissions.ContactsManage, Permissions.CampaignsCreate, Permissions.CampaignsView));
        // Recipients are imported into a campaign whose audience is a list.
        int draft;
        using (var created = await PostAsync(client, "/api/v1/campaigns", System.Text.Encoding.UTF8.GetBytes(
            "{\"name\":\"Corpus list\",\"accountId\":" + account.AccountId + ",\"templateId\":" + account.TemplateId +
            ""","audience":{"type":"list"},"parameterMappings":{"body.1":{"source":"field","field":"name","fallback":"there"},"body.2":{"source":"text","text":"SAVE20"}}}""")))
        {
            created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            draft = (await created.JsonAsync()).GetProperty("id").GetInt32();
        }
        const string rowCounts =
            "SELECT (SELECT count(*) FROM contacts) * 1000000 + (SELECT count(*) FROM campaigns) * 1000 + (SELECT count(*) FROM campaign_audience_rows)";

        var endpoints = new (string Url, string Seed)[]
        {
            ("/api/v1/contacts",
                """{"phoneNumber":"+4915112345001","name":"Ana","attributes":{"city":"Köln"},"labels":["corpus"]}"""),
            ("/api/v1/contacts/import",
                """{"contacts":[{"phoneNumber":"+4915112345002","name":"Ben","city":"Bonn"},{"phoneNumber":"+4915112345003","name":"Cem"}],"labels":["corpus"]}"""),
            ("/api/v1/campaigns",
                "{\"name\":\"Corpus\",\"accountId\":" + account.AccountId + ",\"templateId\":" + account.TemplateId +
                ""","audience":{"type":"contacts","labels":["corpus"]},"parameterMappings":{"body.1":{"source":"field","field":"name","fallback":"there"},"body.2":{"source":"text","text":"SAVE20"}}}"""),
            ($"/api/v1/campaigns/{draft}/recipients/import",
                """{"recipients":[{"phoneNumber":"+4915112345004","name":"Dee"},{"phoneNumber":"+4915112345005","name":"Eli"}]}"""),
        };

        var failures = new List<string>();
        foreach (var (url, seed) in endpoints)
        {
            using (var valid = await PostAsync(client, url, System.Text.Encoding.UTF8.GetBytes(seed)))
            {
                valid.StatusCode.Should().NotBe(HttpStatusCode.NotFound, "POST {0} must exist", url);
                ((int)valid.StatusCode).Should().BeInRange(200, 299, "the valid seed of POST {0} is accepted: {1}", url, await valid.Content.ReadAsStringAsync());
            }
            foreach (var input in InputCorpus.JsonBodies(seed, BodiesPerEndpoint, firstSeed: 70_000))
            {
                var before = await app.ScalarAsync(rowCounts);
                using var response = await PostAsync(client, url, input.Bytes);
                var status = (int)response.StatusCode;
                if (status >= 500)
                {
                    failures.Add($"POST {url} {input}: {status}");
                    continue;
                }
                if (status is >= 400 and < 500)
                {
                    if (response.Content.Headers.ContentType?.MediaType != "application/problem+json"
                        || !(await response.JsonAsync()).TryGetProperty("title", out var title) || string.IsNullOrWhiteSpace(title.GetString()))
                        failures.Add($"POST {url} {input}: {status} without a problem document");
                    if (await app.ScalarAsync(rowCounts) != before)
                        failures.Add($"POST {url} {input}: refused with {status} but rows changed");
                }
            }
        }
        failures.Should().BeEmpty();
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await client.PostAsync(url, content);
    }
}
