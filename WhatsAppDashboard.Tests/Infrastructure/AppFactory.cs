using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Users;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// The real app over the real HTTP pipeline, on its own fresh PostgreSQL database. One per test class
/// (<c>IClassFixture&lt;AppFactory&gt;</c>); the database is dropped when the class is done.
/// </summary>
public class AppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private int _userCounter;

    /// <summary>
    /// This app's own folder for uploaded CSV files. The default folder in the temp directory is shared by every app
    /// on the machine, and an app whose clock runs ahead (or another test run's) deletes the others' uploads there
    /// as expired. A subclass's <see cref="ExtraSettings"/> may still choose another.
    /// </summary>
    private readonly string _uploadDirectory = Path.Combine(Path.GetTempPath(), "wad-test-uploads-" + Guid.NewGuid().ToString("N")[..12]);

    public string ConnectionString { get; private set; } = "";

    /// <summary>Settings a subclass wants on top of the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    protected virtual Task<string> CreateDatabaseAsync() => TestDatabase.CreateAsync();

    public virtual async Task InitializeAsync() => ConnectionString = await CreateDatabaseAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (ConnectionString.Length > 0)
            await TestDatabase.DropAsync(ConnectionString);
        if (Directory.Exists(_uploadDirectory))
            Directory.Delete(_uploadDirectory, recursive: true);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Not Development: tests see the production error pages and no automatic migrations.
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Default", ConnectionString);
        builder.UseSetting("Bootstrap:CreateFirstAdmin", "false");
        builder.UseSetting("Sandbox:SeedDemoData", "false");
        // The dispatcher sends for every running campaign it finds; tests that arrange statuses by hand would race
        // it. Tests about sending switch it on (DispatchAppFactory).
        builder.UseSetting("Dispatch:Enabled", "false");
        builder.UseSetting("Csv:UploadDirectory", _uploadDirectory);
        foreach (var (key, value) in ExtraSettings)
            builder.UseSetting(key, value);
    }

    /// <summary>A client that does not follow redirects, so tests can see where they point; it keeps cookies.</summary>
    public virtual HttpClient CreateBrowserlessClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Creates a user with the given role through the same service the Users page uses.</summary>
    public async Task<TestUser> CreateUserAsync(string role, string? email = null, string password = "correct-horse-battery")
    {
        email ??= $"{role.ToLowerInvariant()}{Interlocked.Increment(ref _userCounter)}@test.example";
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(
            new NewUserInput { Email = email, DisplayName = $"{role} Tester", Role = role, Password = password }, "test");
        result.Succeeded.Should().BeTrue(result.Error);
        return new TestUser(email, password, $"{role} Tester", role);
    }

    /// <summary>A client signed in as a new user of the given role.</summary>
    public async Task<(HttpClient Client, TestUser User)> SignedInClientAsync(string role)
    {
        var user = await CreateUserAsync(role);
        var client = CreateBrowserlessClient();
        var response = await client.SignInAsync(user.Email, user.Password);
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect, "the sign-in of {0} should succeed", user.Email);
        return (client, user);
    }
}

public sealed record TestUser(string Email, string Password, string DisplayName, string Role);
