using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Scheduling;
using WhatsAppDashboard.Tests.Features.Campaigns;

namespace WhatsAppDashboard.Tests.Features.Api.Campaigns;

/// <summary>Create, replace and delete: the wizard's rules answered as 400s by field, state refusals as 409s, nothing half-written.</summary>
public sealed class CampaignsApiWriteTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private static readonly string[] Writer = [Permissions.CampaignsView, Permissions.CampaignsCreate, Permissions.CampaignsEdit, Permissions.CampaignsDelete];

    private async Task<(int AccountId, int TemplateId)> AccountAsync(string components = CampaignsAppFactory.SimpleComponents)
    {
        await app.EnsureAudienceContactAsync();
        var accountId = await app.AddAccountAsync("Write " + Guid.NewGuid().ToString("N")[..8]);
        return (accountId, await app.AddTemplateAsync(accountId, "order_update", components: components));
    }

    private Task<int> CampaignCountAsync() => app.WithDbAsync(db => db.Campaigns.CountAsync());

    [Fact]
    public async Task A_valid_campaign_is_created_as_a_draft_with_its_location_and_audited()
    {
        var (account, template) = await AccountAsync();
        var client = await app.ApiClientWithAsync(Writer);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        var localDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), zone).DateTime).AddDays(2);
        var request = CampaignsApiTestData.ValidRequest(account, template, "Winter offer");
        request["defaultCountryCode"] = "+44";
        request["scheduledAt"] = $"{localDay:yyyy-MM-dd}T09:30";
        request["timeZone"] = "Europe/London";

        var response = await client.PostNodeAsync("/api/v1/campaigns", request);

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.JsonAsync();
        var id = created.GetProperty("id").GetInt32();
        response.Headers.Location!.ToString().Should().Be($"/api/v1/campaigns/{id}");
        var fetched = await client.GetCampaignAsync(id);
        fetched.ToString().Should().Be(created.ToString(), "the body of the 201 is the campaign as GET shows it");
        fetched.GetProperty("name").GetString().Should().Be("Winter offer");
        fetched.GetProperty("status").GetString().Should().Be("draft");
        fetched.GetProperty("defaultCountryCode").GetString().Should().Be("44");
        fetched.GetProperty("scheduleKind").GetString().Should().Be("once");
        fetched.GetProperty("timeZone").GetString().Should().Be("Europe/London");
        var expectedUtc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(localDay.ToDateTime(new TimeOnly(9, 30)), zone), TimeSpan.Zero);
        fetched.GetProperty("scheduledAt").GetDateTimeOffset().Should().Be(expectedUtc);
        fetched.GetProperty("parameterMappings").GetProperty("body.1").GetProperty("fallback").GetString().Should().Be("there");
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.create");

        // Every wizard step is done: the campaign can be scheduled straight away.
        var scheduled = await (await app.ApiClientWithAsync(Permissions.CampaignsExecute, Permissions.CampaignsView))
            .PostAsync($"/api/v1/campaigns/{id}/schedule", null);
        scheduled.StatusCode.Should().Be(HttpStatusCode.Accepted, await scheduled.Content.ReadAsStringAsync());
        (await scheduled.JsonAsync()).GetProperty("status").GetString().Should().Be("scheduled");
    }

    [Fact]
    public async Task An_instant_with_an_offset_is_kept_and_a_recurrence_is_stored_as_the_schedule_step_would()
    {
        var (account, template) = await AccountAsync();
        var client = await app.ApiClientWithAsync(Writer);
        var at = new DateTimeOffset(app.Clock.GetUtcNow().UtcDateTime.Date.AddDays(3).AddHours(14), TimeSpan.Zero);
        var once = CampaignsApiTestData.ValidRequest(account, template);
        once["scheduledAt"] = at.ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:sszzz");
        once["timeZone"] = "Asia/Tokyo";
        var start = DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime).AddDays(5);
        var recurring = CampaignsApiTestData.ValidRequest(account, template);
        recurring["recurrence"] = new JsonObject { ["frequency"] = "monthly", ["time"] = "08:15", ["startDate"] = $"{start:yyyy-MM-dd}", ["endDate"] = $"{start.AddMonths(6):yyyy-MM-dd}" };
        recurring["timeZone"] = "America/New_York";

        var onceCampaign = await client.GetCampaignAsync(await client.CreateCampaignAsync(once));
        var recurringCampaign = await client.GetCampaignAsync(await client.CreateCampaignAsync(recurring));

        onceCampaign.GetProperty("scheduledAt").GetDateTimeOffset().Should().Be(at);
        onceCampaign.GetProperty("timeZone").GetString().Should().Be("Asia/Tokyo");
        recurringCampaign.GetProperty("scheduleKind").GetString().Should().Be("recurring");
        var recurrence = recurringCampaign.GetProperty("recurrence");
        recurrence.GetProperty("frequency").GetString().Should().Be("monthly");
        recurrence.GetProperty("time").GetString().Should().Be("08:15");
        recurrence.GetProperty("startDate").GetString().Should().Be($"{start:yyyy-MM-dd}");
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        recurringCampaign.GetProperty("scheduledAt").GetDateTimeOffset()
            .Should().Be(new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(start.ToDateTime(new TimeOnly(8, 15)), zone), TimeSpan.Zero));
    }

    [Theory]
    [InlineData("no name", "name", "Give the campaign a name")]
    [InlineData("long name", "name", "at most 200 characters")]
    [InlineData("unknown account", "accountId", "Choose the account")]
    [InlineData("inactive account", "accountId", "inactive")]
    [InlineData("other account's template", "templateId", "belongs to another account")]
    [InlineData("pending template", "templateId", "cannot be sent")]
    [InlineData("no audience", "audience", "Choose the audience")]
    [InlineData("unknown audience type", "audience.type", "not an audience type")]
    [InlineData("label both chosen and excluded", "audience.excludeLabels", "both chosen and excluded")]
    [InlineData("bad label match", "audience.labelMatch", "\"any\"")]
    [InlineData("attribute without value", "audience.attributeValue", "Enter the value")]
    [InlineData("nobody matches", "audience", "No contact matches")]
    [InlineData("unknown provider", "audience.provider", "not available")]
    [InlineData("unknown slot", "parameterMappings.body.7", "has no variable")]
    [InlineData("unmapped variable", "parameterMappings.body.1", "Choose where {{1}} comes from")]
    [InlineData("unknown source", "parameterMappings.body.1", "Choose the source")]
    [InlineData("empty text", "parameterMappings.body.1", "Enter the text")]
    [InlineData("days left once", "parameterMappings.body.1", "recurring")]
    [InlineData("bad country code", "defaultCountryCode", "1 to 3 digits")]
    [InlineData("time in the past", "scheduledAt", "has passed")]
    [InlineData("not a time", "scheduledAt", "ISO 8601")]
    [InlineData("unknown zone", "timeZone", "not a known IANA time zone")]
    [InlineData("both schedules", "scheduledAt", "not both")]
    [InlineData("end before start", "recurrence.endDate", "before the start date")]
    [InlineData("unknown frequency", "recurrence.frequency", "how often")]
    [InlineData("bad recurrence time", "recurrence.time", "not a time")]
    public async Task What_the_wizard_refuses_is_a_400_under_its_field_and_nothing_is_written(string mistake, string field, string message)
    {
        var (account, template) = await AccountAsync();
        var request = CampaignsApiTestData.ValidRequest(account, template);
        var today = DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime);
        switch (mistake)
        {
            case "no name": request["name"] = "  "; break;
            case "long name": request["name"] = new string('n', 201); break;
            case "unknown account": request["accountId"] = 987654; break;
            case "inactive account":
                var inactive = await app.AddAccountAsync("Inactive " + Guid.NewGuid().ToString("N")[..6], active: false);
                request["accountId"] = inactive;
                request["templateId"] = await app.AddTemplateAsync(inactive, "order_update");
                break;
            case "other account's template":
                request["templateId"] = (await AccountAsync()).TemplateId; break;
            case "pending template":
                request["templateId"] = await app.AddTemplateAsync(account, "waiting", status: "PENDING"); break;
            case "no audience": request.Remove("audience"); break;
            case "unknown audience type": request["audience"] = new JsonObject { ["type"] = "everyone" }; break;
            case "label both chosen and excluded":
                request["audience"] = new JsonObject { ["type"] = "contacts", ["labels"] = new JsonArray("vip"), ["excludeLabels"] = new JsonArray("vip") }; break;
            case "bad label match": request["audience"]!["labelMatch"] = "most"; break;
            case "attribute without value": request["audience"]!["attributeKey"] = "city"; break;
            case "nobody matches": request["audience"]!["labels"] = new JsonArray("label-nobody-has-" + Guid.NewGuid().ToString("N")[..6]); break;
            case "unknown provider": request["audience"] = new JsonObject { ["type"] = "named", ["provider"] = "no-such-audience" }; break;
            case "unknown slot": request["parameterMappings"]!["body.7"] = new JsonObject { ["source"] = "text", ["text"] = "x" }; break;
            case "unmapped variable": request["parameterMappings"] = new JsonObject(); break;
            case "unknown source": request["parameterMappings"]!["body.1"] = new JsonObject { ["source"] = "random" }; break;
            case "empty text": request["parameterMappings"]!["body.1"] = new JsonObject { ["source"] = "text", ["text"] = " " }; break;
            case "days left once": request["parameterMappings"]!["body.1"] = new JsonObject { ["source"] = "daysLeft" }; break;
            case "bad country code": request["defaultCountryCode"] = "4444"; break;
            case "time in the past": request["scheduledAt"] = app.Clock.GetUtcNow().AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm'Z'"); break;
            case "not a time": request["scheduledAt"] = "tomorrow morning"; break;
            case "unknown zone":
                request["scheduledAt"] = $"{today.AddDays(2):yyyy-MM-dd}T10:00";
                request["timeZone"] = "Mars/Olympus_Mons"; break;
            case "both schedules":
                request["scheduledAt"] = $"{today.AddDays(2):yyyy-MM-dd}T10:00";
                request["recurrence"] = new JsonObject { ["frequency"] = "daily", ["time"] = "10:00", ["startDate"] = $"{today.AddDays(2):yyyy-MM-dd}", ["endDate"] = $"{today.AddDays(9):yyyy-MM-dd}" };
                break;
            case "end before start":
                request["recurrence"] = new JsonObject { ["frequency"] = "weekly", ["time"] = "10:00", ["startDate"] = $"{today.AddDays(9):yyyy-MM-dd}", ["endDate"] = $"{today.AddDays(2):yyyy-MM-dd}" }; break;
            case "unknown frequency":
                request["recurrence"] = new JsonObject { ["frequency"] = "hourly", ["time"] = "10:00", ["startDate"] = $"{today.AddDays(2):yyyy-MM-dd}", ["endDate"] = $"{today.AddDays(9):yyyy-MM-dd}" }; break;
            case "bad recurrence time":
                request["recurrence"] = new JsonObject { ["frequency"] = "daily", ["time"] = "25:00", ["startDate"] = $"{today.AddDays(2):yyyy-MM-dd}", ["endDate"] = $"{today.AddDays(9):yyyy-MM-dd}" }; break;
            default: throw new ArgumentOutOfRangeException(nameof(mistake), mistake, null);
        }
        var client = await app.ApiClientWithAsync(Writer);
        var before = await CampaignCountAsync();

        var errors = await (await client.PostNodeAsync("/api/v1/campaigns", request)).FieldErrorsAsync(field);

        errors.Should().ContainSingle().Which.Should().Contain(message);
        (await CampaignCountAsync()).Should().Be(before, "a refused request writes nothing");
    }

    [Fact]
    public async Task Several_mistakes_are_reported_together()
    {
        var client = await app.ApiClientWithAsync(Writer);

        var response = await client.PostNodeAsync("/api/v1/campaigns", new JsonObject { ["name"] = "", ["audience"] = new JsonObject { ["type"] = "list" } });

        var problem = await response.ProblemAsync(400);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Contain(["name", "accountId", "templateId"]);
    }

    [Theory]
    [InlineData("{ \"name\": \"Broken\", ", null)]
    [InlineData("not json at all", null)]
    [InlineData("[1, 2, 3]", null)]
    [InlineData("{ \"name\": 5 }", "name")]
    [InlineData("{ \"accountId\": \"first\" }", "accountId")]
    [InlineData("{ \"audience\": { \"labels\": \"vip\" } }", "audience.labels")]
    [InlineData("{ \"parameterMappings\": [] }", "parameterMappings")]
    public async Task Malformed_json_or_a_wrong_type_is_a_400_problem_never_a_500(string body, string? field)
    {
        var client = await app.ApiClientWithAsync(Writer);

        var response = await client.PostRawAsync("/api/v1/campaigns", body);

        var problem = await response.ProblemAsync(400);
        if (field is not null)
            problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(problem.ToString());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_and_an_empty_body_a_400()
    {
        var client = await app.ApiClientWithAsync(Writer);

        await (await client.PostRawAsync("/api/v1/campaigns", "name=Form", "application/x-www-form-urlencoded")).ProblemAsync(415);
        await (await client.PostAsync("/api/v1/campaigns", null)).ProblemAsync(400);
    }

    [Fact]
    public async Task Creating_needs_campaigns_create()
    {
        var (account, template) = await AccountAsync();
        var before = await CampaignCountAsync();

        await (await app.ApiClient(null).PostNodeAsync("/api/v1/campaigns", CampaignsApiTestData.ValidRequest(account, template))).ProblemAsync(401);
        var viewer = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsEdit);
        await (await viewer.PostNodeAsync("/api/v1/campaigns", CampaignsApiTestData.ValidRequest(account, template))).ProblemAsync(403);

        (await CampaignCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_draft_is_replaced_by_put_and_the_change_is_audited()
    {
        var (account, template) = await AccountAsync();
        var promo = await app.AddTemplateAsync(account, "promo", components: CampaignsAppFactory.PromoComponents);
        var client = await app.ApiClientWithAsync(Writer);
        var id = await client.CreateCampaignAsync(CampaignsApiTestData.ValidRequest(account, template, "Before"));
        var replacement = CampaignsApiTestData.ListRequest(account, promo, defaultCountryCode: "49");
        replacement["name"] = "After";
        replacement["parameterMappings"] = new JsonObject
        {
            ["header.1"] = new JsonObject { ["source"] = "text", ["text"] = "Weekend" },
            ["body.1"] = new JsonObject { ["source"] = "field", ["field"] = "name", ["fallback"] = "there" },
            ["body.2"] = new JsonObject { ["source"] = "text", ["text"] = "20%" },
            ["body.10"] = new JsonObject { ["source"] = "field", ["field"] = "until" },
            ["button.0.1"] = new JsonObject { ["source"] = "text", ["text"] = "W20" },
        };

        var response = await client.PutNodeAsync($"/api/v1/campaigns/{id}", replacement);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var updated = await client.GetCampaignAsync(id);
        updated.GetProperty("name").GetString().Should().Be("After");
        updated.GetProperty("templateId").GetInt32().Should().Be(promo);
        updated.GetProperty("audience").GetProperty("type").GetString().Should().Be("list");
        updated.GetProperty("defaultCountryCode").GetString().Should().Be("49");
        updated.GetProperty("parameterMappings").EnumerateObject().Select(m => m.Name)
            .Should().Equal("header.1", "body.1", "body.2", "body.10", "button.0.1");
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.create", "campaigns.update");
    }

    [Fact]
    public async Task Put_on_a_scheduled_campaign_moves_its_trigger_and_delete_removes_it()
    {
        var (account, template) = await AccountAsync();
        var client = await app.ApiClientWithAsync([.. Writer, Permissions.CampaignsExecute]);
        var first = new DateTimeOffset(app.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2).AddHours(9), TimeSpan.Zero);
        var request = CampaignsApiTestData.ValidRequest(account, template);
        request["scheduledAt"] = first.ToString("yyyy-MM-dd'T'HH:mm'Z'");
        var id = await client.CreateCampaignAsync(request);
        (await client.PostAsync($"/api/v1/campaigns/{id}/schedule", null)).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await NextFireAsync(id)).Should().Be(first);

        var later = first.AddDays(1).AddHours(2);
        request["scheduledAt"] = later.ToString("yyyy-MM-dd'T'HH:mm'Z'");
        var response = await client.PutNodeAsync($"/api/v1/campaigns/{id}", request);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var updated = await response.JsonAsync();
        updated.GetProperty("status").GetString().Should().Be("scheduled");
        updated.GetProperty("scheduledAt").GetDateTimeOffset().Should().Be(later);
        (await NextFireAsync(id)).Should().Be(later);

        (await client.DeleteAsync($"/api/v1/campaigns/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await NextFireAsync(id)).Should().BeNull("a deleted campaign must never fire");
    }

    private async Task<DateTimeOffset?> NextFireAsync(int campaignId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CampaignScheduler>().GetNextFireTimeAsync(campaignId);
    }

    [Fact]
    public async Task Put_refuses_a_campaign_that_has_started_with_409_and_a_missing_one_with_404()
    {
        var (account, template) = await AccountAsync();
        var running = await app.AddCampaignAsync("Running already", account, template, CampaignStatus.Running);
        var client = await app.ApiClientWithAsync(Writer);

        var conflict = await (await client.PutNodeAsync($"/api/v1/campaigns/{running}", CampaignsApiTestData.ValidRequest(account, template))).ProblemAsync(409);
        conflict.GetProperty("detail").GetString().Should().Contain("running").And.Contain("only drafts and scheduled campaigns can be changed");
        (await app.FindCampaignAsync(running))!.Name.Should().Be("Running already");

        await (await client.PutNodeAsync("/api/v1/campaigns/987654", CampaignsApiTestData.ValidRequest(account, template))).ProblemAsync(404);
        var noEdit = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsCreate);
        await (await noEdit.PutNodeAsync($"/api/v1/campaigns/{running}", CampaignsApiTestData.ValidRequest(account, template))).ProblemAsync(403);
    }

    [Fact]
    public async Task A_refused_put_leaves_the_campaign_as_it_was()
    {
        var (account, template) = await AccountAsync();
        var client = await app.ApiClientWithAsync(Writer);
        var id = await client.CreateCampaignAsync(CampaignsApiTestData.ValidRequest(account, template, "Unchanged"));
        var before = await client.GetCampaignAsync(id);
        var bad = CampaignsApiTestData.ValidRequest(account, template, "Changed");
        bad["parameterMappings"] = new JsonObject();

        (await (await client.PutNodeAsync($"/api/v1/campaigns/{id}", bad)).FieldErrorsAsync("parameterMappings.body.1")).Should().NotBeEmpty();

        (await client.GetCampaignAsync(id)).ToString().Should().Be(before.ToString());
    }

    [Fact]
    public async Task Delete_removes_a_campaign_that_is_not_running_and_refuses_a_running_one()
    {
        var (account, template) = await AccountAsync();
        var draft = await app.AddCampaignAsync("Delete me", account, template);
        var completed = await app.AddCampaignAsync("Delete me too", account, template, CampaignStatus.Completed);
        var running = await app.AddCampaignAsync("Keep me", account, template, CampaignStatus.Running);
        var client = await app.ApiClientWithAsync(Writer);

        (await client.DeleteAsync($"/api/v1/campaigns/{draft}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await client.DeleteAsync($"/api/v1/campaigns/{completed}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var conflict = await (await client.DeleteAsync($"/api/v1/campaigns/{running}")).ProblemAsync(409);

        conflict.GetProperty("detail").GetString().Should().Contain("cancel it");
        await (await client.GetAsync($"/api/v1/campaigns/{draft}")).ProblemAsync(404);
        (await app.FindCampaignAsync(running)).Should().NotBeNull();
        await (await client.DeleteAsync($"/api/v1/campaigns/{draft}")).ProblemAsync(404);
        (await app.AuditActionsAsync($"#{draft} ")).Should().Equal("campaigns.delete");

        var noDelete = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsEdit);
        await (await noDelete.DeleteAsync($"/api/v1/campaigns/{completed}")).ProblemAsync(403);
    }
}
