using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Templates;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Status moves as guarded updates on the real database, under concurrency; copy and delete.</summary>
public sealed class CampaignLifecycleTests(CampaignsAppFactory app) : IClassFixture<CampaignsAppFactory>
{
    private async Task<int> ReadyCampaignAsync(string name, ScheduleKind kind = ScheduleKind.Now, CampaignStatus status = CampaignStatus.Draft)
    {
        var account = await app.AddAccountAsync($"{name} account");
        var template = await app.AddTemplateAsync(account, "order_update");
        await app.EnsureAudienceContactAsync();
        return await app.AddCampaignAsync(name, account, template, status, configure: c =>
        {
            CampaignsAppFactory.MapEveryVariable(c, CampaignsAppFactory.SimpleComponents);
            c.ScheduleKind = kind;
            if (kind == ScheduleKind.Once)
            {
                c.TimeZoneId = "UTC";
                c.ScheduledLocalTime = DateTime.SpecifyKind(app.Clock.GetUtcNow().UtcDateTime.AddDays(2), DateTimeKind.Unspecified);
            }
        });
    }

    /// <summary>Runs <paramref name="action"/> in its own DI scope (its own DbContext and connection), as a request would.</summary>
    private async Task<OperationResult> InScopeAsync(Func<CampaignLifecycle, Task<OperationResult>> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CampaignLifecycle>());
    }

    /// <summary>Starts every action at once, each in its own scope.</summary>
    private async Task<OperationResult[]> AllAtOnceAsync(params Func<CampaignLifecycle, Task<OperationResult>>[] actions)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = actions.Select(action => Task.Run(async () =>
        {
            await gate.Task;
            return await InScopeAsync(action);
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task Eight_concurrent_Run_now_clicks_start_exactly_one_run()
    {
        var id = await ReadyCampaignAsync("Concurrent runs");

        var results = await AllAtOnceAsync(Enumerable.Range(0, 8)
            .Select(i => (Func<CampaignLifecycle, Task<OperationResult>>)(lifecycle => lifecycle.RunNowAsync(id, $"clicker{i}")))
            .ToArray());

        results.Count(r => r.Succeeded).Should().Be(1);
        results.Where(r => !r.Succeeded).Select(r => r.Error).Should().AllBe("The campaign is already running.");
        var campaign = await app.FindCampaignAsync(id);
        campaign!.Status.Should().Be(CampaignStatus.Running);
        campaign.StartedAt.Should().BeCloseTo(app.Clock.GetUtcNow(), TimeSpan.FromMinutes(1), "the start time comes from the app's clock");
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.run");
    }

    [Fact]
    public async Task Cancel_racing_Run_always_ends_cancelled_and_a_run_only_counts_if_it_came_first()
    {
        for (var round = 0; round < 6; round++)
        {
            var id = await ReadyCampaignAsync($"Race {round}");

            var results = await AllAtOnceAsync(
                lifecycle => lifecycle.RunNowAsync(id, "runner"),
                lifecycle => lifecycle.CancelAsync(id, "canceller"));
            var (run, cancel) = (results[0], results[1]);

            cancel.Succeeded.Should().BeTrue("a draft and a running campaign can both be cancelled");
            var campaign = await app.FindCampaignAsync(id);
            campaign!.Status.Should().Be(CampaignStatus.Cancelled);
            campaign.CompletedAt.Should().NotBeNull();
            var audit = await app.AuditActionsAsync($"#{id} ");
            if (run.Succeeded)
            {
                audit.Should().Equal("campaigns.run", "campaigns.cancel");
                campaign.StartedAt.Should().NotBeNull();
            }
            else
            {
                run.Error.Should().Be("The campaign is cancelled: copy it to send again.");
                audit.Should().Equal("campaigns.cancel");
                campaign.StartedAt.Should().BeNull();
            }
        }
    }

    [Fact]
    public async Task Schedule_records_the_next_occurrence_and_can_be_repeated_while_run_now_is_refused_for_a_scheduled_time()
    {
        var id = await ReadyCampaignAsync("Scheduled once", ScheduleKind.Once);
        var expected = (await app.FindCampaignAsync(id))!.ScheduledLocalTime!.Value;

        (await InScopeAsync(l => l.RunNowAsync(id, "someone"))).Error.Should().StartWith("This campaign has a schedule");
        (await InScopeAsync(l => l.ScheduleAsync(id, "someone"))).Succeeded.Should().BeTrue();
        (await InScopeAsync(l => l.ScheduleAsync(id, "someone"))).Succeeded.Should().BeTrue("rescheduling a scheduled campaign is allowed");

        var campaign = await app.FindCampaignAsync(id);
        campaign!.Status.Should().Be(CampaignStatus.Scheduled);
        campaign.ScheduledAt.Should().Be(new DateTimeOffset(expected, TimeSpan.Zero));
        (await app.AuditActionsAsync($"#{id} ")).Should().Equal("campaigns.schedule", "campaigns.schedule");
    }

    [Fact]
    public async Task A_campaign_that_is_not_ready_is_neither_scheduled_nor_run_and_the_reason_is_given()
    {
        var account = await app.AddAccountAsync("Not ready account");
        var approved = await app.AddTemplateAsync(account, "approved_one");
        var paused = await app.AddTemplateAsync(account, "paused_one", status: "PAUSED");
        var inactive = await app.AddAccountAsync("Sleeping account", active: false);
        var inactiveTemplate = await app.AddTemplateAsync(inactive, "sleeping_template");

        var incomplete = await app.AddCampaignAsync("Incomplete", account, approved, wizardStep: 1);
        var pausedTemplate = await app.AddCampaignAsync("Paused template", account, paused);
        var inactiveAccount = await app.AddCampaignAsync("Inactive account", inactive, inactiveTemplate);
        var noTemplate = await app.AddCampaignAsync("No template", account, null);
        var past = await app.AddCampaignAsync("Past time", account, approved, configure: c =>
        {
            c.ScheduleKind = ScheduleKind.Once;
            c.ScheduledLocalTime = DateTime.SpecifyKind(app.Clock.GetUtcNow().UtcDateTime.AddMinutes(-5), DateTimeKind.Unspecified);
        });

        (await InScopeAsync(l => l.RunNowAsync(incomplete, "x"))).Error.Should().Be("These steps are not complete yet: Audience, Parameters, Schedule.");
        (await InScopeAsync(l => l.RunNowAsync(pausedTemplate, "x"))).Error.Should()
            .Be("The template “paused_one” (en_US) is no longer approved by Meta (status PAUSED): choose another template on the Basics step.");
        (await InScopeAsync(l => l.RunNowAsync(inactiveAccount, "x"))).Error.Should()
            .Be("The account “Sleeping account” is inactive: reactivate it, or choose another account on the Basics step.");
        (await InScopeAsync(l => l.RunNowAsync(noTemplate, "x"))).Error.Should().Be("No template is chosen: choose an approved template on the Basics step.");
        (await InScopeAsync(l => l.ScheduleAsync(past, "x"))).Error.Should().Be("The scheduled time has passed: choose a new one on the Schedule step.");
        (await InScopeAsync(l => l.ScheduleAsync(incomplete, "x"))).Error.Should().StartWith("These steps are not complete yet");

        foreach (var id in new[] { incomplete, pausedTemplate, inactiveAccount, noTemplate, past })
            (await app.FindCampaignAsync(id))!.Status.Should().Be(CampaignStatus.Draft);
    }

    [Fact]
    public async Task Illegal_moves_are_refused_with_the_reason_for_the_current_status()
    {
        var completed = await ReadyCampaignAsync("Already done", status: CampaignStatus.Completed);
        var paused = await ReadyCampaignAsync("Taking a break", status: CampaignStatus.Paused);

        (await InScopeAsync(l => l.RunNowAsync(completed, "x"))).Error.Should().Be("The campaign is completed: copy it to send again.");
        (await InScopeAsync(l => l.CancelAsync(completed, "x"))).Error.Should().Be("The campaign is completed and can no longer be cancelled.");
        (await InScopeAsync(l => l.RunNowAsync(paused, "x"))).Error.Should().Be("Only a draft or scheduled campaign can be started here; this one is paused.");
        (await InScopeAsync(l => l.MoveAsync(completed, CampaignStatus.Paused, "x", "campaigns.pause"))).Error.Should()
            .Be("Only a running campaign can be paused; this one is completed.");
        (await InScopeAsync(l => l.RunNowAsync(987654, "x"))).Error.Should().Be("That campaign does not exist (any more).");

        (await app.FindCampaignAsync(completed))!.Status.Should().Be(CampaignStatus.Completed);
        (await app.FindCampaignAsync(paused))!.Status.Should().Be(CampaignStatus.Paused);
        (await app.AuditActionsAsync($"#{completed} ")).Should().BeEmpty("refusals change nothing, so nothing is audited");
    }

    [Fact]
    public async Task Delete_is_refused_while_running_and_otherwise_removes_the_audience_rows_too()
    {
        var running = await ReadyCampaignAsync("Busy sending", status: CampaignStatus.Running);
        var finished = await ReadyCampaignAsync("Finished with rows", status: CampaignStatus.Completed);
        await AddCsvRowsAsync(finished, 3, 2);

        (await InScopeAsync(l => l.DeleteAsync(running, "x"))).Error.Should().Be("“Busy sending” is running: cancel it (or let it finish) before deleting it.");
        (await InScopeAsync(l => l.DeleteAsync(finished, "deleter"))).Succeeded.Should().BeTrue();
        (await InScopeAsync(l => l.DeleteAsync(finished, "deleter"))).Error.Should().Be("That campaign does not exist (any more).");

        (await app.FindCampaignAsync(running)).Should().NotBeNull();
        (await app.FindCampaignAsync(finished)).Should().BeNull();
        (await app.WithDbAsync(db => db.CampaignAudienceRows.CountAsync(r => r.CampaignId == finished))).Should().Be(0);
        (await app.WithDbAsync(db => db.CampaignAudienceRejects.CountAsync(r => r.CampaignId == finished))).Should().Be(0);
        (await app.AuditActionsAsync($"#{finished} ")).Should().Equal("campaigns.delete");
    }

    [Fact]
    public async Task A_copy_is_a_new_draft_with_the_same_choices_and_csv_rows_but_no_times_and_no_counters()
    {
        var account = await app.AddAccountAsync("Copy account");
        var template = await app.AddTemplateAsync(account, "weekly_digest", components: CampaignsAppFactory.PromoComponents);
        var source = await app.AddCampaignAsync("Spring sale", account, template, CampaignStatus.Completed, wizardStep: 5, configure: c =>
        {
            c.AudienceKind = AudienceKind.Csv;
            new AudienceSettings { Csv = new CsvAudience { FileName = "spring.csv", PhoneColumn = "Mobile", Columns = ["Mobile", "City"], Rows = 4, Valid = 3, Invalid = 1 } }.WriteTo(c);
            ParameterMappings.Write(c, new Dictionary<string, ParameterMapping> { ["body.1"] = new(MappingSource.Field, Field: "City") });
            c.DefaultCountryCode = "44";
            c.ScheduleKind = ScheduleKind.Once;
            c.TimeZoneId = "Europe/London";
            c.ScheduledLocalTime = new DateTime(2026, 4, 1, 9, 0, 0);
            c.ScheduledAt = new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.Zero);
            c.TotalCount = 3;
            c.SentCount = 3;
            c.ReadCount = 2;
            c.StartedAt = c.CompletedAt = new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.Zero);
            c.LastError = "old trouble";
        });
        await AddCsvRowsAsync(source, 3, 1);
        var copier = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "copier@test.example"), new Claim(ClaimTypes.NameIdentifier, "copier-id")], "test"));

        (OperationResult Result, int? CopyId) copied;
        await using (var scope = app.Services.CreateAsyncScope())
            copied = await scope.ServiceProvider.GetRequiredService<CampaignLifecycle>().CopyAsync(source, copier);

        copied.Result.Succeeded.Should().BeTrue();
        var original = (await app.FindCampaignAsync(source))!;
        var copy = (await app.FindCampaignAsync(copied.CopyId!.Value))!;
        copy.Name.Should().Be("Copy of Spring sale");
        copy.Status.Should().Be(CampaignStatus.Draft);
        (copy.AccountId, copy.TemplateId, copy.AudienceKind, copy.DefaultCountryCode, copy.ScheduleKind, copy.TimeZoneId).Should()
            .Be((original.AccountId, original.TemplateId, AudienceKind.Csv, "44", ScheduleKind.Once, "Europe/London"));
        AudienceSettings.Read(copy).Should().BeEquivalentTo(AudienceSettings.Read(original));
        ParameterMappings.Read(copy).Should().BeEquivalentTo(ParameterMappings.Read(original));
        (copy.ScheduledLocalTime, copy.ScheduledAt, copy.StartedAt, copy.CompletedAt, copy.LastError).Should().Be((null, null, null, null, null));
        (copy.TotalCount, copy.SentCount, copy.ReadCount).Should().Be((0, 0, 0));
        copy.WizardStep.Should().Be((int)WizardStep.Parameters, "a copied schedule has no time yet, so the schedule step is to do again");
        (copy.CreatedByName, copy.CreatedById).Should().Be(("copier@test.example", "copier-id"));

        var rows = await app.WithDbAsync(db => db.CampaignAudienceRows.AsNoTracking().Where(r => r.CampaignId == copy.Id).OrderBy(r => r.RowNumber).ToListAsync());
        rows.Select(r => (r.RowNumber, r.Phone, r.Name, r.Fields["City"])).Should().Equal(
            (2, "+447700900001", "Person 1", "City 1"), (3, "+447700900002", "Person 2", "City 2"), (4, "+447700900003", "Person 3", "City 3"));
        (await app.WithDbAsync(db => db.CampaignAudienceRejects.CountAsync(r => r.CampaignId == copy.Id))).Should().Be(1);
        (await app.WithDbAsync(db => db.CampaignAudienceRows.CountAsync(r => r.CampaignId == source))).Should().Be(3, "the original keeps its rows");
        (await app.AuditActionsAsync($"#{copy.Id} ")).Should().Equal("campaigns.copy");
    }

    private Task AddCsvRowsAsync(int campaignId, int rows, int rejects) => app.WithDbAsync(async db =>
    {
        for (var i = 1; i <= rows; i++)
            db.CampaignAudienceRows.Add(new CampaignAudienceRow
            {
                CampaignId = campaignId, RowNumber = i + 1, Phone = $"+4477009000{i:D2}", Name = $"Person {i}",
                Fields = new Dictionary<string, string> { ["Mobile"] = $"07700 9000{i:D2}", ["City"] = $"City {i}" },
            });
        for (var i = 1; i <= rejects; i++)
            db.CampaignAudienceRejects.Add(new CampaignAudienceReject
            {
                CampaignId = campaignId, RowNumber = rows + i + 1, Reason = "not a phone number", Fields = new Dictionary<string, string> { ["Mobile"] = "12" },
            });
        await db.SaveChangesAsync();
    });
}
