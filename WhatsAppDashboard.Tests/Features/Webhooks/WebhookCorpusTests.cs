using System.Net;
using System.Net.Http.Headers;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Sandbox;
using WhatsAppDashboard.Tests.Features.Dispatch;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Webhooks;

/// <summary>
/// Thousands of mutated webhook bodies (see <see cref="InputCorpus.JsonBodies"/>), each validly signed, about messages
/// of a real run: a status, a button reply and a STOP text. Never a server error; a refused body is not stored; every
/// stored one is applied or kept with its error; the campaign's counters still equal its rows.
/// </summary>
public sealed class WebhookCorpusTests(WebhookCorpusTests.Factory app) : IClassFixture<WebhookCorpusTests.Factory>
{
    private const int BodiesPerSeed = 600;

    public sealed class Factory : DispatchAppFactory
    {
        // The run is arranged in the database (no dispatcher), so a busy machine's slow sends cannot leave it without wamids.
        protected override IReadOnlyDictionary<string, string?> DispatchSettings => new Dictionary<string, string?>
        {
            ["Dispatch:Enabled"] = "false",
            ["Webhooks:PollIntervalMilliseconds"] = "50",
        };
    }

    [Fact]
    public async Task Mutated_signed_webhooks_never_cause_a_server_error_and_leave_the_counters_equal_to_the_rows()
    {
        var account = await app.CreateSandboxAccountAsync();
        var phoneNumberId = (await app.AccountAsync(account.AccountId)).PhoneNumberId;
        var campaignId = await app.StartCampaignAsync(account, DispatchTestData.NewPhones(20));
        // As the dispatcher leaves a run whose sends Meta accepted: every row sent with its wamid, the counter with them.
        await app.ExecuteAsync(
            """
            UPDATE campaign_recipients SET status = 'Sent', message_id = 'wamid.corpus-' || id, attempts = 1, sending_at = now(), sent_at = now()
            WHERE campaign_id = @id;
            UPDATE campaigns SET status = 'Completed', sent_count = total_count, completed_at = now() WHERE id = @id
            """, ("id", campaignId));
        var sent = await app.RecipientsAsync(campaignId);
        await app.CountersShouldMatchRowsAsync(campaignId);

        var seeds = new[]
        {
            WebhookTestData.StatusPayload(phoneNumberId, sent[0].MessageId!, "delivered", sent[0].Id),
            WebhookTestData.StatusPayload(phoneNumberId, sent[1].MessageId!, "failed", sent[1].Id,
                errors: ",\"errors\":[{\"code\":131026,\"title\":\"Message undeliverable\"}]"),
            WebhookTestData.ButtonPayload(phoneNumberId, sent[2].MessageId!, "Yes please"),
            WebhookTestData.StatusPayload(phoneNumberId, sent[3].MessageId!, "read", sent[3].Id).Replace("\"status\":\"read\"", "\"status\":\"read\",\"pricing\":{\"billable\":true}"),
        };
        var inputs = seeds.SelectMany((seed, i) => InputCorpus.JsonBodies(seed, BodiesPerSeed, firstSeed: 10_000 * (i + 1))).ToList();
        var inboxBefore = await app.ScalarAsync("SELECT count(*) FROM webhook_inbox");

        using var client = app.CreateHttpClient();
        var answers = new HttpStatusCode[inputs.Count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < inputs.Count)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new ByteArrayContent(inputs[i].Bytes) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Add(WebhookPayloads.SignatureHeader, WebhookPayloads.Sign(inputs[i].Bytes, SandboxAppFactory.AppSecret));
                using var response = await client.SendAsync(request);
                answers[i] = response.StatusCode;
            }
        }));

        var unexpected = inputs.Zip(answers).Where(p => p.Second is not (HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.RequestEntityTooLarge))
            .Select(p => $"{p.First}: {(int)p.Second}").ToList();
        unexpected.Should().BeEmpty("a malformed webhook is answered 200 (stored), 400, 401 or 413, never with a server error");
        answers.Count(a => a == HttpStatusCode.BadRequest).Should().BeGreaterThan(inputs.Count / 20, "the corpus must contain bodies that are refused");
        answers.Count(a => a == HttpStatusCode.OK).Should().BeGreaterThan(inputs.Count / 20, "and bodies that are stored");
        (await app.ScalarAsync("SELECT count(*) FROM webhook_inbox") - inboxBefore).Should().Be(answers.Count(a => a == HttpStatusCode.OK),
            "only accepted bodies are stored, each once");

        await app.InboxAppliedAsync();
        await app.CountersShouldMatchRowsAsync(campaignId);
        (await app.RecipientsAsync(campaignId)).Should().OnlyContain(r => r.Status != RecipientStatus.Pending && r.Status != RecipientStatus.Sending);
    }
}
