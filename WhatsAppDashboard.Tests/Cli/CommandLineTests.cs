using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Cli;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Cli;

/// <summary>The app on a database with no tables at all, as on a first deploy.</summary>
public sealed class EmptyDatabaseFactory : AppFactory
{
    protected override Task<string> CreateDatabaseAsync() => TestDatabase.CreateEmptyAsync();

    // A running scheduler creates its own qrtz_* tables at start-up; these tests watch what `migrate` creates.
    protected override IReadOnlyDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?> { ["Scheduling:Enabled"] = "false" };
}

public sealed class MigrateCommandTests(EmptyDatabaseFactory app) : IClassFixture<EmptyDatabaseFactory>
{
    [Fact]
    public async Task Migrate_builds_an_empty_database_and_a_second_run_changes_nothing()
    {
        (await TablesAsync()).Should().BeEmpty("the database starts empty");

        (await CommandLine.RunAsync(app.Services, ["migrate"])).Should().Be(0);

        var tables = await TablesAsync();
        tables.Should().Contain(["users", "roles", "user_roles", "audit_entries", "__EFMigrationsHistory"]);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            (await db.Database.GetPendingMigrationsAsync()).Should().BeEmpty();
            (await db.Roles.Select(r => r.Name).ToListAsync()).Should().BeEquivalentTo(Roles.All);
            (await db.Users.CountAsync()).Should().Be(0, "migrating creates no users");
        }
        var applied = await AppliedMigrationsAsync();

        (await CommandLine.RunAsync(app.Services, ["migrate"])).Should().Be(0, "migrating an up-to-date database is fine");

        (await TablesAsync()).Should().Equal(tables);
        (await AppliedMigrationsAsync()).Should().Equal(applied);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            (await db.Roles.Select(r => r.Name).ToListAsync()).Should().BeEquivalentTo(Roles.All, "the roles are not seeded twice");
        }
    }

    private async Task<List<string>> TablesAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Database
            .SqlQueryRaw<string>("SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")
            .ToListAsync();
    }

    private async Task<List<string>> AppliedMigrationsAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.GetAppliedMigrationsAsync()).ToList();
    }
}

public sealed class CreateAdminCommandTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Create_admin_makes_an_admin_who_can_sign_in()
    {
        var exitCode = await CommandLine.RunAsync(app.Services,
            ["create-admin", "--email", "ops@cli.example", "--password", "cli-password-123", "--name=Ops Lead"]);

        exitCode.Should().Be(0);
        var client = app.CreateBrowserlessClient();
        (await client.SignInAsync("ops@cli.example", "cli-password-123")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await client.GetAsync("/users")).StatusCode.Should().Be(HttpStatusCode.OK, "an admin may manage users");
        var home = await client.GetPageAsync("/");
        home.QuerySelector("[data-testid=user-name]")!.TextContent.Should().Be("Ops Lead");
        (await RolesOfAsync("ops@cli.example")).Should().Equal(Roles.Admin);
    }

    [Fact]
    public async Task An_existing_email_fails_with_exit_code_1_and_changes_nothing()
    {
        var existing = await app.CreateUserAsync(Roles.Viewer);

        var exitCode = await CommandLine.RunAsync(app.Services,
            ["create-admin", "--email", existing.Email, "--password", "cli-password-123"]);

        exitCode.Should().Be(1);
        (await RolesOfAsync(existing.Email)).Should().Equal([Roles.Viewer], "the existing user does not become an admin");
        (await app.CreateBrowserlessClient().SignInAsync(existing.Email, "cli-password-123"))
            .StatusCode.Should().Be(HttpStatusCode.OK, "the existing user's password is unchanged");
    }

    public static TheoryData<string, string[]> UsageErrors => new()
    {
        { "missing.password@cli.example", ["create-admin", "--email", "missing.password@cli.example"] },
        { "missing.password.value@cli.example", ["create-admin", "--email", "missing.password.value@cli.example", "--password"] },
        { "not-an-email", ["create-admin", "--email", "not-an-email", "--password", "cli-password-123"] },
        { "short.password@cli.example", ["create-admin", "--email", "short.password@cli.example", "--password", "short"] },
        { "unknown.option@cli.example", ["create-admin", "--email", "unknown.option@cli.example", "--password", "cli-password-123", "--role", "Viewer"] },
        { "stray.argument@cli.example", ["create-admin", "--email", "stray.argument@cli.example", "--password", "cli-password-123", "extra"] },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Bad_usage_fails_with_exit_code_2_and_creates_nobody(string email, string[] args)
    {
        (await CommandLine.RunAsync(app.Services, args)).Should().Be(2);

        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        (await users.FindByEmailAsync(email)).Should().BeNull();
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("create-user")]
    public async Task An_unknown_command_fails_with_exit_code_2(string command)
    {
        (await CommandLine.RunAsync(app.Services, [command])).Should().Be(2);
    }

    [Fact]
    public async Task Migrate_with_an_unknown_option_fails_with_exit_code_2()
    {
        (await CommandLine.RunAsync(app.Services, ["migrate", "--force", "yes"])).Should().Be(2);
    }

    private async Task<IList<string>> RolesOfAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByEmailAsync(email);
        user.Should().NotBeNull("{0} should exist", email);
        return await users.GetRolesAsync(user!);
    }
}

public sealed class MigrationsTests
{
    [Fact]
    public void The_model_has_no_changes_missing_from_the_migrations()
    {
        // No connection is opened: the model is compared with the latest migration's snapshot.
        var options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql("Host=localhost;Database=unused").Options;
        using var db = new AppDbContext(options);

        db.Database.HasPendingModelChanges().Should().BeFalse("run `dotnet ef migrations add` after changing the model");
    }
}
