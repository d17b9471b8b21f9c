using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Sandbox;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Webhooks;

public static class WebhookTestData
{
    public static async Task<WhatsAppAccount> AccountAsync(this AppFactory app, int accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId);
    }

    public static async Task<WhatsAppDashboard.Features.Templates.WhatsAppTemplate> TemplateAsync(this AppFactory app, int templateId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().WhatsAppTemplates.AsNoTracking().SingleAsync(t => t.Id == templateId);
    }

    private static string Notification(string phoneNumberId, string valueItems) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"waba\",\"changes\":[{\"field\":\"messages\",\"value\":{" +
        "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"12025550100\",\"phone_number_id\":\"" + phoneNumberId + "\"}," +
        valueItems + "}}]}]}";

    public static string StatusPayload(string phoneNumberId, string messageId, string status, long? recipientId = null,
        long timestamp = 1_790_000_000, string errors = "") =>
        Notification(phoneNumberId,
            $"\"statuses\":[{{\"id\":\"{messageId}\",\"status\":\"{status}\",\"timestamp\":\"{timestamp}\",\"recipient_id\":\"4915112345678\"" +
            (recipientId is { } id ? $",\"biz_opaque_callback_data\":\"{id}\"" : "") + errors + "}]");

    public static string ButtonPayload(string phoneNumberId, string contextId, string text) =>
        Notification(phoneNumberId,
            $"\"messages\":[{{\"context\":{{\"from\":\"12025550100\",\"id\":\"{contextId}\"}},\"from\":\"4915112345678\"," +
            $"\"id\":\"wamid.in{Guid.NewGuid():N}\",\"timestamp\":\"1790000000\",\"type\":\"button\"," +
            $"\"button\":{{\"payload\":\"{text}-payload\",\"text\":\"{text}\"}}}}]");

    public static async Task<HttpResponseMessage> PostWebhookAsync(this KestrelAppFactory app, string body, string? signature)
    {
        using var client = app.CreateHttpClient();
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signature is not null)
            request.Headers.Add("X-Hub-Signature-256", signature);
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostSignedAsync(this KestrelAppFactory app, string body, string secret = SandboxAppFactory.AppSecret) =>
        app.PostWebhookAsync(body, WebhookPayloads.Sign(Encoding.UTF8.GetBytes(body), secret));

    public static async Task<long> ScalarAsync(this AppFactory app, string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Waits until every stored webhook has been applied (or given up on).</summary>
    public static async Task InboxAppliedAsync(this AppFactory app)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await app.ScalarAsync("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL AND attempts < 5") == 0)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException("Stored webhooks were not applied.");
    }
}
