using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Tests.Features.Contacts;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>
/// The app for the audience and parameters steps: the contacts factory's upload folder and shifted clock, plus a tiny
/// named audience registered the way an integrator would (one call), beside the real one. Campaigns are arranged
/// directly in the database, as step 1 would leave them.
/// </summary>
public class AudienceAppFactory : ContactsAppFactory
{
    private int _templateCounter;
    private int? _accountId;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddAudienceProvider<TestVipProvider>(TestVipProvider.Key, TestVipProvider.DisplayName));
    }

    /// <summary>An approved template of a test account with these components.</summary>
    public async Task<int> CreateTemplateAsync(string componentsJson, string parameterFormat = "POSITIONAL", string? name = null)
    {
        _accountId ??= await this.CreateAccountAsync("Campaign account", "token-campaigns");
        var template = new WhatsAppTemplate
        {
            AccountId = _accountId.Value,
            MetaTemplateId = Guid.NewGuid().ToString("N"),
            Name = name ?? $"template_{Interlocked.Increment(ref _templateCounter)}",
            Language = "en_GB",
            Category = "MARKETING",
            Status = WhatsAppTemplate.Approved,
            ParameterFormat = parameterFormat,
            ComponentsJson = componentsJson,
            SyncedAt = DateTimeOffset.UtcNow,
        };
        return await WithDbAsync(async db =>
        {
            db.WhatsAppTemplates.Add(template);
            await db.SaveChangesAsync();
            return template.Id;
        });
    }

    /// <summary>A draft as step 1 leaves it: name, account and template chosen, step 1 complete.</summary>
    public Task<int> CreateCampaignAsync(int templateId, string name = "Spring sale", Action<Campaign>? arrange = null) =>
        WithDbAsync(async db =>
        {
            var template = await db.WhatsAppTemplates.SingleAsync(t => t.Id == templateId);
            var now = DateTimeOffset.UtcNow;
            var campaign = new Campaign
            {
                Name = name, AccountId = template.AccountId, TemplateId = templateId, WizardStep = 1,
                CreatedByName = "test", CreatedAt = now, UpdatedAt = now,
            };
            arrange?.Invoke(campaign);
            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync();
            return campaign.Id;
        });

    public Task<Campaign> FindCampaignAsync(int id) => WithDbAsync(db => db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == id));

    public Task UpdateCampaignAsync(int id, Action<Campaign> change) =>
        WithDbAsync(async db =>
        {
            var campaign = await db.Campaigns.SingleAsync(c => c.Id == id);
            change(campaign);
            return await db.SaveChangesAsync();
        });

    public Task<List<CampaignAudienceRow>> AudienceRowsAsync(int campaignId) =>
        WithDbAsync(db => db.CampaignAudienceRows.AsNoTracking().Where(r => r.CampaignId == campaignId).OrderBy(r => r.RowNumber).ToListAsync());

    /// <summary>Resolves and counts through the real services, in a scope of their own.</summary>
    public async Task<T> WithResolverAsync<T>(Func<AudienceResolver, IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AudienceResolver>(), scope.ServiceProvider);
    }

    public Task<List<AudienceMember>> ResolveAsync(AudienceSpec spec) =>
        WithResolverAsync(async (resolver, _) =>
        {
            var members = new List<AudienceMember>();
            await foreach (var member in resolver.ResolveAsync(spec))
                members.Add(member);
            return members;
        });

    public Task<AudienceCount> CountAsync(AudienceSpec spec) => WithResolverAsync((resolver, _) => resolver.CountAsync(spec));
}

/// <summary>A named audience as an integrator would write one: three fixed people, one written as a national number.</summary>
public sealed class TestVipProvider : IAudienceProvider
{
    public const string Key = "test-vips";
    public const string DisplayName = "Test VIPs";

    public IReadOnlyList<string> Fields => ["tier"];

    public async IAsyncEnumerable<AudienceMember> GetMembersAsync([EnumeratorCancellation] CancellationToken ct)
    {
        yield return new AudienceMember("+447700900101", "Vip One", new Dictionary<string, string> { ["tier"] = "gold", ["Lounge"] = "North" });
        await Task.Yield();
        yield return new AudienceMember("07700 900102", "Vip Two", new Dictionary<string, string> { ["tier"] = " " });
        yield return new AudienceMember("+447700900103", "Vip Three", new Dictionary<string, string> { ["tier"] = "silver" });
    }
}

/// <summary>Driving the audience step the way a browser does.</summary>
public static class AudiencePages
{
    /// <summary>Posts a CSV file through the CSV tab's upload form, with its antiforgery token.</summary>
    public static async Task<HttpResponseMessage> UploadAudienceCsvAsync(this HttpClient client, int campaignId, byte[] content, string fileName = "audience.csv")
    {
        var page = await client.GetPageAsync($"/campaigns/{campaignId}/audience?kind=csv");
        var form = (IHtmlFormElement)page.QuerySelector("[data-testid=upload-form]")!;
        var token = form.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var body = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" } };
        body.Add(file, CsvAudienceEndpoints.UploadField, fileName);
        return await client.PostAsync(form.GetAttribute("action"), body);
    }

    public static Task<HttpResponseMessage> UploadAudienceCsvAsync(this HttpClient client, int campaignId, string content, string fileName = "audience.csv") =>
        client.UploadAudienceCsvAsync(campaignId, System.Text.Encoding.UTF8.GetBytes(content), fileName);

    /// <summary>Uploads and returns the page that shows the file's columns and first rows.</summary>
    public static async Task<IHtmlDocument> UploadAudienceCsvToColumnsAsync(this HttpClient client, int campaignId, string content, string fileName = "audience.csv")
    {
        var response = await client.UploadAudienceCsvAsync(campaignId, content, fileName);
        response.RedirectTarget().Should().MatchRegex($"^/campaigns/{campaignId}/audience\\?kind=csv&upload=[0-9a-f]{{32}}$", "the upload should be accepted");
        return await client.FollowAsync(response);
    }

    public static string Text(this AngleSharp.Dom.IParentNode page, string testId) =>
        page.QuerySelector($"[data-testid={testId}]")?.TextContent.Trim() ?? throw new InvalidOperationException($"No [data-testid={testId}] on the page.");
}
