using System.Net;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns;
using WhatsAppDashboard.Tests.Features.Campaigns.Insights;

namespace WhatsAppDashboard.Tests.Features.Api.Campaigns;

/// <summary>The read side: the list with its paging, filters and sorting, the status counts, one campaign, recipients and clicks.</summary>
public sealed class CampaignsApiReadTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    /// <summary>An account of its own, so each test lists only what it arranged.</summary>
    private async Task<(int AccountId, int TemplateId)> AccountAsync()
    {
        var accountId = await app.AddAccountAsync("Read " + Guid.NewGuid().ToString("N")[..8]);
        return (accountId, await app.AddTemplateAsync(accountId, "order_update"));
    }

    [Fact]
    public async Task The_list_answers_the_page_asked_for_with_the_total_under_the_filter()
    {
        var (account, template) = await AccountAsync();
        foreach (var name in new[] { "Page C", "Page A", "Page E", "Page B", "Page D" })
            await app.AddCampaignAsync(name, account, template);
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        var second = await (await client.GetAsync($"/api/v1/campaigns?accountId={account}&sort=name_asc&page=2&pageSize=2")).JsonAsync();
        var last = await (await client.GetAsync($"/api/v1/campaigns?accountId={account}&sort=name_asc&page=3&pageSize=2")).JsonAsync();
        var beyond = await (await client.GetAsync($"/api/v1/campaigns?accountId={account}&sort=name_asc&page=4&pageSize=2")).JsonAsync();

        second.Names().Should().Equal("Page C", "Page D");
        second.GetProperty("total").GetInt32().Should().Be(5);
        second.GetProperty("page").GetInt32().Should().Be(2);
        second.GetProperty("pageSize").GetInt32().Should().Be(2);
        last.Names().Should().Equal("Page E");
        beyond.Names().Should().BeEmpty("a page past the end is empty, not the last page again");
        beyond.GetProperty("total").GetInt32().Should().Be(5);
        beyond.GetProperty("page").GetInt32().Should().Be(4);

        var item = second.GetProperty("items")[0];
        item.GetProperty("accountId").GetInt32().Should().Be(account);
        item.GetProperty("templateName").GetString().Should().Be("order_update");
        item.GetProperty("status").GetString().Should().Be("draft");
    }

    [Fact]
    public async Task The_default_page_is_the_first_twenty_newest_first_and_a_hundred_is_the_largest_page()
    {
        var (account, template) = await AccountAsync();
        for (var i = 1; i <= 21; i++)
            await app.AddCampaignAsync($"Bulk {i:D2}", account, template);
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        var first = await (await client.GetAsync($"/api/v1/campaigns?accountId={account}")).JsonAsync();
        var all = await (await client.GetAsync($"/api/v1/campaigns?accountId={account}&pageSize=100")).JsonAsync();

        first.GetProperty("pageSize").GetInt32().Should().Be(20);
        first.Names().Should().HaveCount(20).And.StartWith("Bulk 21");
        all.Names().Should().HaveCount(21);
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("page=-1", "page")]
    [InlineData("sort=created", "sort")]
    [InlineData("sort=name_up", "sort")]
    [InlineData("status=sending", "status")]
    [InlineData("status=2", "status")]
    [InlineData("accountId=first", "accountId")]
    public async Task A_bad_query_value_is_a_400_naming_the_parameter(string query, string field)
    {
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        var errors = await (await client.GetAsync("/api/v1/campaigns?" + query)).FieldErrorsAsync(field);

        errors.Should().ContainSingle().Which.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Status_account_and_search_each_narrow_the_list()
    {
        var (account, template) = await AccountAsync();
        var (other, otherTemplate) = await AccountAsync();
        await app.AddCampaignAsync("Spring sale", account, template);
        await app.AddCampaignAsync("Summer sale", account, template, CampaignStatus.Running);
        await app.AddCampaignAsync("Winter news", account, template, CampaignStatus.Completed);
        await app.AddCampaignAsync("Autumn sale", other, otherTemplate, CampaignStatus.Running);
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        async Task<List<string>> ListAsync(string query) =>
            (await (await client.GetAsync("/api/v1/campaigns?sort=name_asc&pageSize=100&" + query)).JsonAsync()).Names();

        (await ListAsync($"accountId={account}")).Should().Equal("Spring sale", "Summer sale", "Winter news");
        (await ListAsync($"accountId={account}&status=running")).Should().Equal("Summer sale");
        (await ListAsync($"accountId={account}&status=Completed")).Should().Equal("Winter news");
        (await ListAsync($"accountId={account}&search=SALE")).Should().Equal("Spring sale", "Summer sale");
        (await ListAsync($"accountId={other}")).Should().Equal("Autumn sale");
        (await ListAsync("search=autumn s")).Should().Equal("Autumn sale");
    }

    [Fact]
    public async Task Every_sort_order_is_applied()
    {
        var (account, template) = await AccountAsync();
        var now = app.Clock.GetUtcNow();
        var b = await app.AddCampaignAsync("B completed", account, template, CampaignStatus.Completed,
            configure: x => { x.CreatedAt = now.AddHours(-3); x.StartedAt = now.AddHours(-2); });
        var a = await app.AddCampaignAsync("A draft", account, template,
            configure: x => x.CreatedAt = now.AddHours(-1));
        var c = await app.AddCampaignAsync("C scheduled", account, template, CampaignStatus.Scheduled,
            configure: x => { x.CreatedAt = now.AddHours(-2); x.ScheduledAt = now.AddDays(2); });
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        async Task<List<int>> IdsAsync(string sort) =>
            (await (await client.GetAsync($"/api/v1/campaigns?accountId={account}&sort={sort}")).JsonAsync())
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()).ToList();

        (await IdsAsync("createdAt_desc")).Should().Equal(a, c, b);
        (await IdsAsync("createdAt_asc")).Should().Equal(b, c, a);
        (await IdsAsync("name_asc")).Should().Equal(a, b, c);
        (await IdsAsync("name_desc")).Should().Equal(c, b, a);
        (await IdsAsync("status_asc")).Should().Equal(a, c, b); // lifecycle order: draft, scheduled, …, completed
        (await IdsAsync("status_desc")).Should().Equal(b, c, a);
        (await IdsAsync("scheduledAt_asc")).Should().Equal(b, c, a); // by the time shown (scheduled, else started); none last
        (await IdsAsync("scheduledAt_desc")).Should().Equal(c, b, a);
    }

    [Fact]
    public async Task Status_counts_count_every_status_and_follow_the_account_filter()
    {
        var (account, template) = await AccountAsync();
        await app.AddCampaignAsync("Draft 1", account, template);
        await app.AddCampaignAsync("Draft 2", account, template);
        await app.AddCampaignAsync("Running", account, template, CampaignStatus.Running);
        await app.AddCampaignAsync("Paused", account, template, CampaignStatus.Paused);
        await app.AddCampaignAsync("Failed", account, template, CampaignStatus.Failed);
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        var counts = await (await client.GetAsync($"/api/v1/campaigns/status-counts?accountId={account}")).JsonAsync();

        counts.GetProperty("draft").GetInt32().Should().Be(2);
        counts.GetProperty("scheduled").GetInt32().Should().Be(0);
        counts.GetProperty("running").GetInt32().Should().Be(1);
        counts.GetProperty("paused").GetInt32().Should().Be(1);
        counts.GetProperty("completed").GetInt32().Should().Be(0);
        counts.GetProperty("failed").GetInt32().Should().Be(1);
        counts.GetProperty("cancelled").GetInt32().Should().Be(0);
        counts.GetProperty("total").GetInt32().Should().Be(5);

        var everything = await (await client.GetAsync("/api/v1/campaigns/status-counts")).JsonAsync();
        var listed = await (await client.GetAsync("/api/v1/campaigns?pageSize=1")).JsonAsync();
        everything.GetProperty("total").GetInt32().Should().Be(listed.GetProperty("total").GetInt32()).And.BeGreaterThanOrEqualTo(5);
    }

    [Fact]
    public async Task One_campaign_shows_its_audience_mappings_schedule_and_counters()
    {
        var (account, template) = await AccountAsync();
        var id = await app.AddCampaignAsync("Full detail", account, template, CampaignStatus.Completed, configure: c =>
        {
            c.AudienceJson = """{"contacts":{"labels":["vip"],"labelMatch":"All","excludeLabels":["churned"],"activeOnly":false}}""";
            ParameterMappings.Write(c, new Dictionary<string, ParameterMapping> { ["body.1"] = new(MappingSource.Field, Field: "name", Fallback: "there") });
            c.DefaultCountryCode = "44";
            c.ScheduleKind = ScheduleKind.Recurring;
            c.TimeZoneId = "Europe/London";
            c.Recurrence = RecurrenceFrequency.SemiMonthly;
            c.RecurrenceTime = new TimeOnly(9, 30);
            c.RecurrenceStart = new DateOnly(2027, 1, 31);
            c.RecurrenceEnd = new DateOnly(2027, 6, 30);
            c.TotalCount = 10; c.SentCount = 8; c.DeliveredCount = 6; c.ReadCount = 4; c.FailedCount = 1; c.SkippedCount = 1;
            c.RepliedCount = 2; c.ButtonClickCount = 2; c.LastError = "Something to show";
        });
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        var campaign = await client.GetCampaignAsync(id);

        campaign.GetProperty("name").GetString().Should().Be("Full detail");
        campaign.GetProperty("status").GetString().Should().Be("completed");
        campaign.GetProperty("accountId").GetInt32().Should().Be(account);
        campaign.GetProperty("templateId").GetInt32().Should().Be(template);
        campaign.GetProperty("templateName").GetString().Should().Be("order_update");
        var audience = campaign.GetProperty("audience");
        audience.GetProperty("type").GetString().Should().Be("contacts");
        audience.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).Should().Equal("vip");
        audience.GetProperty("labelMatch").GetString().Should().Be("all");
        audience.GetProperty("excludeLabels").EnumerateArray().Select(l => l.GetString()).Should().Equal("churned");
        audience.GetProperty("activeOnly").GetBoolean().Should().BeFalse();
        var mapping = campaign.GetProperty("parameterMappings").GetProperty("body.1");
        mapping.GetProperty("source").GetString().Should().Be("field");
        mapping.GetProperty("field").GetString().Should().Be("name");
        mapping.GetProperty("fallback").GetString().Should().Be("there");
        campaign.GetProperty("defaultCountryCode").GetString().Should().Be("44");
        campaign.GetProperty("timeZone").GetString().Should().Be("Europe/London");
        var recurrence = campaign.GetProperty("recurrence");
        recurrence.GetProperty("frequency").GetString().Should().Be("semiMonthly");
        recurrence.GetProperty("time").GetString().Should().Be("09:30");
        recurrence.GetProperty("startDate").GetString().Should().Be("2027-01-31");
        recurrence.GetProperty("endDate").GetString().Should().Be("2027-06-30");
        foreach (var (field, value) in new[] { ("totalCount", 10), ("sentCount", 8), ("deliveredCount", 6), ("readCount", 4), ("failedCount", 1), ("repliedCount", 2), ("buttonClickCount", 2) })
            campaign.GetProperty(field).GetInt32().Should().Be(value, field);
        campaign.GetProperty("lastError").GetString().Should().Be("Something to show");
        campaign.TryGetProperty("createdAt", out _).Should().BeTrue();
        campaign.TryGetProperty("startedAt", out _).Should().BeTrue();
        campaign.TryGetProperty("completedAt", out _).Should().BeTrue();
    }

    [Fact]
    public async Task A_missing_campaign_is_a_404_problem_everywhere()
    {
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        foreach (var path in new[] { "", "/recipients", "/button-clicks" })
        {
            var problem = await (await client.GetAsync($"/api/v1/campaigns/987654{path}")).ProblemAsync(404);
            problem.GetProperty("detail").GetString().Should().Contain("no campaign");
        }
    }

    [Theory]
    [InlineData("/api/v1/campaigns")]
    [InlineData("/api/v1/campaigns/status-counts")]
    [InlineData("/api/v1/campaigns/1")]
    [InlineData("/api/v1/campaigns/1/recipients")]
    [InlineData("/api/v1/campaigns/1/button-clicks")]
    public async Task Reading_needs_a_key_with_campaigns_view(string path)
    {
        await (await app.ApiClient(null).GetAsync(path)).ProblemAsync(401);
        var withoutView = await app.ApiClientWithAsync(Permissions.CampaignsCreate, Permissions.CampaignsExecute);
        await (await withoutView.GetAsync(path)).ProblemAsync(403);
    }

    [Fact]
    public async Task Recipients_are_paged_filtered_by_status_and_searched()
    {
        var (account, template) = await AccountAsync();
        var id = await app.AddCampaignAsync("With recipients", account, template, CampaignStatus.Running);
        var seeded = InsightsTestData.Distribution(id, 200);
        await app.SeedRecipientsAsync(id, seeded);
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        var firstPage = await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?pageSize=30")).JsonAsync();
        var failed = await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?status=failed&pageSize=100")).JsonAsync();
        var ana = await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?search=ana")).JsonAsync();
        var beyond = await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?page=9&pageSize=25")).JsonAsync();

        firstPage.GetProperty("total").GetInt32().Should().Be(200);
        var items = firstPage.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("phoneNumber").GetString()).Should().Equal(seeded.Take(30).Select(s => s.Phone));
        var read = items[0];
        read.GetProperty("status").GetString().Should().Be("read");
        read.GetProperty("messageId").GetString().Should().Be(seeded[0].MessageId);
        read.GetProperty("buttonClicked").GetString().Should().Be("Yes please");
        read.GetProperty("sentAt").GetDateTimeOffset().Should().Be(seeded[0].SentAt!.Value);
        var refused = items[6];
        refused.GetProperty("status").GetString().Should().Be("failed");
        refused.GetProperty("errorCode").GetInt32().Should().Be(131026);
        refused.GetProperty("errorMessage").GetString().Should().Be(InsightsTestData.UndeliverableMessage);

        failed.GetProperty("total").GetInt32().Should().Be(seeded.Count(s => s.Status == RecipientStatus.Failed));
        failed.GetProperty("items").EnumerateArray().Should().OnlyContain(i => i.GetProperty("status").GetString() == "failed");
        ana.Names().Should().BeEquivalentTo("Ana Souza", "ANA LIMA");
        beyond.GetProperty("items").GetArrayLength().Should().Be(0);
        beyond.GetProperty("total").GetInt32().Should().Be(200);
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("status=delivering", "status")]
    public async Task A_bad_recipients_query_is_a_400_naming_the_parameter(string query, string field)
    {
        var (account, template) = await AccountAsync();
        var id = await app.AddCampaignAsync("Bad query", account, template);
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        (await (await client.GetAsync($"/api/v1/campaigns/{id}/recipients?{query}")).FieldErrorsAsync(field)).Should().NotBeEmpty();
    }

    [Fact]
    public async Task Button_clicks_are_counted_per_button_and_payload()
    {
        var (account, template) = await AccountAsync();
        var id = await app.AddCampaignAsync("Clicked", account, template, CampaignStatus.Completed);
        var seeded = InsightsTestData.Distribution(id, 200);
        await app.SeedRecipientsAsync(id, seeded);
        var client = await app.ApiClientWithAsync(Permissions.CampaignsView);

        var clicks = await (await client.GetAsync($"/api/v1/campaigns/{id}/button-clicks")).JsonAsync();

        var expected = seeded.Where(s => s.ButtonClicked is not null)
            .GroupBy(s => (s.ButtonClicked, s.ButtonPayload))
            .ToDictionary(g => g.Key, g => g.Count());
        clicks.EnumerateArray()
            .ToDictionary(c => ((string?)c.GetProperty("button").GetString(), (string?)c.GetProperty("payload").GetString()), c => c.GetProperty("count").GetInt32())
            .Should().BeEquivalentTo(expected);
        clicks.EnumerateArray().Select(c => c.GetProperty("count").GetInt32()).Should().BeInDescendingOrder();

        var none = await (await client.GetAsync($"/api/v1/campaigns/{await app.AddCampaignAsync("Quiet", account, template)}/button-clicks")).JsonAsync();
        none.GetArrayLength().Should().Be(0);
        (await client.GetAsync($"/api/v1/campaigns/{id}/button-clicks")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
