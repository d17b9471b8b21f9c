using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Cli;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Scheduling;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Features.Users;

namespace WhatsAppDashboard.Benchmark;

/// <summary>
/// <c>bench-setup</c>: the steps of a benchmark that need the app's own services, run by <c>bench</c> as a child process
/// whose configured database is the benchmark's fresh one. <c>--prepare</c> migrates, imports the CSV through the
/// contacts import (the path an upload takes), creates the account, template and campaign, and starts the campaign the
/// way Run does (the dashboard's dispatcher picks it up when it starts). It prints one JSON line for the parent.
/// </summary>
public sealed class BenchSetupCommand : ICliCommand
{
    public const string AudienceLabel = "bench";
    public const string PhoneNumberId = "109000000000001";
    public const string WabaId = "200000000000001";

    public string Name => "bench-setup";
    public string Usage => "bench-setup --prepare CSV --simulator-url URL --mps N --access-token T --app-secret S --user-email E --user-password P";
    public string Description => "Used by 'bench': prepares or launches the benchmark's campaign in its database.";

    public async Task<int> RunAsync(IServiceProvider services, CommandArguments arguments, CancellationToken ct)
    {
        var csv = arguments.Required("prepare");
        var simulatorUrl = arguments.Required("simulator-url");
        var mps = int.Parse(arguments.Required("mps"), System.Globalization.CultureInfo.InvariantCulture);
        var accessToken = arguments.Required("access-token");
        var appSecret = arguments.Required("app-secret");
        var userEmail = arguments.Required("user-email");
        var userPassword = arguments.Required("user-password");
        arguments.EnsureAllUsed(Usage);

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Database.MigrateAsync(ct);
            await SchedulingSetup.ProvisionSchemaAsync(db.Database.GetConnectionString()!, ct);
        }

        var (rows, seconds, imported) = await ImportAsync(services, csv, ct);
        var campaignId = await SeedAsync(services, simulatorUrl, mps, accessToken, appSecret, ct);
        await using (var userScope = services.CreateAsyncScope())
        {
            // Who watches the run on the hub, as a viewer in a browser would.
            var created = await userScope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(
                new NewUserInput { Email = userEmail, Password = userPassword, DisplayName = "Benchmark watcher", Role = Roles.Viewer }, "bench", ct);
            if (!created.Succeeded)
                throw new CommandException("The watcher could not be created: " + (created.Error ?? string.Join(" ", created.FieldErrors.SelectMany(f => f.Value))));
        }
        await using var launchScope = services.CreateAsyncScope();
        var launched = await launchScope.ServiceProvider.GetRequiredService<CampaignLauncher>().LaunchAsync(campaignId, "bench", null, ct);
        if (!launched.Started)
            throw new CommandException("The campaign did not start: " + launched.Message);
        Console.WriteLine(JsonSerializer.Serialize(new PrepareResult(campaignId, rows, imported, seconds, launched.TotalCount - launched.SkippedCount)));
        return 0;
    }

    private static async Task<(int Rows, double Seconds, int Imported)> ImportAsync(IServiceProvider services, string csv, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var uploads = scope.ServiceProvider.GetRequiredService<CsvUploadStore>();
        var importer = scope.ServiceProvider.GetRequiredService<ContactImporter>();
        // Timed from the upload being stored to the import committed: what a user waits for after choosing a file.
        var stopwatch = Stopwatch.StartNew();
        CsvUploadResult saved;
        await using (var file = File.OpenRead(csv))
            saved = await uploads.SaveAsync(file, Path.GetFileName(csv), "bench", ct);
        if (saved.Upload is null)
            throw new CommandException("The CSV was refused: " + saved.Error);
        var mapping = ContactImportMapping.Guess(saved.Upload.Header, null);
        mapping.Labels = AudienceLabel;
        var outcome = await importer.ImportAsync(saved.Upload, mapping, "bench", ct);
        if (outcome.Report is not { } report)
            throw new CommandException("The import failed: " + outcome.Result.Error);
        stopwatch.Stop();
        return (report.Rows, stopwatch.Elapsed.TotalSeconds, report.Imported);
    }

    private static async Task<int> SeedAsync(IServiceProvider services, string simulatorUrl, int mps, string accessToken, string appSecret, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var secrets = scope.ServiceProvider.GetRequiredService<AccountSecrets>();
        var now = DateTimeOffset.UtcNow;
        var account = new WhatsAppAccount
        {
            Name = "Benchmark line",
            PhoneNumberId = PhoneNumberId,
            WabaId = WabaId,
            BusinessPortfolio = new BusinessPortfolio { Name = "Benchmark portfolio", MessagingLimitTier = MessagingLimitTier.Unlimited },
            DisplayPhoneNumber = "+1 202 555 0199",
            AccessTokenProtected = secrets.Protect(AccountSecretKind.AccessToken, accessToken),
            AppSecretProtected = secrets.Protect(AccountSecretKind.AppSecret, appSecret),
            WebhookVerifyToken = "bench-verify",
            GraphApiVersion = "v23.0",
            ApiBaseUrl = simulatorUrl.TrimEnd('/') + "/sandbox/graph",
            ThroughputPerSecond = mps,
            IsSandbox = true,
            IsActive = true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var template = new WhatsAppTemplate
        {
            Account = account,
            MetaTemplateId = "bench-welcome",
            Name = "welcome_offer",
            Language = "en_US",
            Category = "MARKETING",
            Status = WhatsAppTemplate.Approved,
            ComponentsJson = """[{"type":"BODY","text":"Hi {{1}}, use {{2}}"}]""",
        };
        var campaign = new Campaign
        {
            Name = "Benchmark run",
            Account = account,
            Template = template,
            AudienceKind = AudienceKind.Contacts,
            CreatedByName = "bench",
            CreatedAt = now,
            UpdatedAt = now,
        };
        new AudienceSettings { Contacts = new ContactsAudience { Labels = [AudienceLabel] } }.WriteTo(campaign);
        ParameterMappings.Write(campaign, new Dictionary<string, ParameterMapping>
        {
            ["body.1"] = new(MappingSource.Field, Field: "name", Fallback: "friend"),
            ["body.2"] = new(MappingSource.Text, Text: "BENCH10"),
        });
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        return campaign.Id;
    }

    public sealed record PrepareResult(int CampaignId, int Rows, int Imported, double ImportSeconds, int ToSend);
}
