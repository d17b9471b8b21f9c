using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Users;

/// <summary>The app with the first-admin bootstrap on, as in production.</summary>
public class FirstAdminFactory : AppFactory
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?> { ["Bootstrap:CreateFirstAdmin"] = "true" };
}

/// <summary>The same, started on a database that someone else has already set up.</summary>
public sealed class FirstAdminOnExistingDatabaseFactory(string connectionString) : FirstAdminFactory
{
    protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);
}

public sealed class FirstAdminTests(FirstAdminFactory app) : IClassFixture<FirstAdminFactory>
{
    [Fact]
    public async Task The_first_start_on_a_database_without_users_creates_one_admin()
    {
        app.CreateClient(); // starts the host, and with it the bootstrapper

        var users = await UsersWithRolesAsync(app);
        users.Should().ContainSingle().Which.Should().Be(("admin@example.com", Roles.Admin));
    }

    [Fact]
    public async Task A_start_on_a_database_that_already_has_a_user_adds_no_admin()
    {
        var seeded = new AppFactory();
        await seeded.InitializeAsync();
        var bootstrap = new FirstAdminOnExistingDatabaseFactory(seeded.ConnectionString);
        try
        {
            var existing = await seeded.CreateUserAsync(Roles.Viewer);
            await bootstrap.InitializeAsync();

            bootstrap.CreateClient();

            (await UsersWithRolesAsync(bootstrap)).Should().Equal((existing.Email, Roles.Viewer));
        }
        finally
        {
            await ((IAsyncLifetime)bootstrap).DisposeAsync();
            await ((IAsyncLifetime)seeded).DisposeAsync();
        }
    }

    private static async Task<List<(string Email, string Role)>> UsersWithRolesAsync(AppFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var result = new List<(string, string)>();
        foreach (var user in await db.Users.OrderBy(u => u.Email).ToListAsync())
            foreach (var role in await userManager.GetRolesAsync(user))
                result.Add((user.Email!, role));
        return result;
    }
}
