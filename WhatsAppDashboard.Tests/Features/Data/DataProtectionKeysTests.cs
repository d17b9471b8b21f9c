using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Data;

/// <summary>Two app instances on one database share the Data Protection key ring.</summary>
public sealed class DataProtectionKeysTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Two_instances_on_one_database_decrypt_each_others_secrets()
    {
        await using var other = new SameDatabaseAppFactory(app.ConnectionString);
        await other.InitializeAsync();
        var first = app.Services.GetRequiredService<AccountSecrets>();
        var second = other.Services.GetRequiredService<AccountSecrets>();

        var fromFirst = first.Protect(AccountSecretKind.AccessToken, "token-written-by-the-first-instance");
        second.TryUnprotect(AccountSecretKind.AccessToken, fromFirst).Should().Be("token-written-by-the-first-instance");

        var fromSecond = second.Protect(AccountSecretKind.AppSecret, "secret-written-by-the-second-instance");
        first.TryUnprotect(AccountSecretKind.AppSecret, fromSecond).Should().Be("secret-written-by-the-second-instance");

        other.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath.Should()
            .NotBe(app.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath, "the instances are installed apart");
        await using var scope = app.Services.CreateAsyncScope();
        var keys = await scope.ServiceProvider.GetRequiredService<AppDbContext>().DataProtectionKeys.ToListAsync();
        keys.Should().ContainSingle("the second instance found the first one's key instead of making its own")
            .Which.Xml.Should().StartWith("<key ");
    }

    [Fact]
    public async Task An_instance_on_another_database_cannot_decrypt_them()
    {
        var protectedToken = app.Services.GetRequiredService<AccountSecrets>().Protect(AccountSecretKind.AccessToken, "only-for-this-database");

        await using var stranger = new AppFactory();
        await stranger.InitializeAsync();
        try
        {
            stranger.Services.GetRequiredService<AccountSecrets>().TryUnprotect(AccountSecretKind.AccessToken, protectedToken)
                .Should().BeNull("keys live in the database, not on the machine");
        }
        finally
        {
            await ((IAsyncLifetime)stranger).DisposeAsync();
        }
    }

    /// <summary>
    /// A second app instance on an existing database (left in place when disposed), installed in another folder:
    /// without a fixed application name, Data Protection would isolate the two by their content roots.
    /// </summary>
    private sealed class SameDatabaseAppFactory(string connectionString) : AppFactory
    {
        private readonly string _contentRoot = Directory.CreateTempSubdirectory("wad-second-instance-").FullName;

        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseContentRoot(_contentRoot);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(_contentRoot, recursive: true);
        }
    }
}
