using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Users;

public sealed class FirstAdminOptions
{
    public const string Section = "Bootstrap";

    /// <summary>On a start with no users at all, create an admin and print its password once.</summary>
    public bool CreateFirstAdmin { get; set; } = true;

    public string AdminEmail { get; set; } = "admin@example.com";
}

/// <summary>Makes a brand-new installation usable: the first start creates an admin and prints how to sign in.</summary>
public sealed class FirstAdminBootstrapper(
    IServiceScopeFactory scopes,
    IOptions<FirstAdminOptions> options,
    ILogger<FirstAdminBootstrapper> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.CreateFirstAdmin)
            return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            return; // DatabaseStartup has said what to do.
        if (await db.Users.AnyAsync(cancellationToken))
            return;

        var password = GeneratePassword();
        var input = new NewUserInput
        {
            Email = options.Value.AdminEmail,
            DisplayName = "Administrator",
            Role = Roles.Admin,
            Password = password,
        };
        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(input, "system", cancellationToken);
        if (!result.Succeeded)
        {
            // Another instance starting at the same moment may have won the race; that is fine.
            logger.LogWarning("First admin not created: {Error}", result.Error);
            return;
        }

        // Printed once, to the console only: the password is never logged or stored in clear.
        Console.WriteLine();
        Console.WriteLine("==================================================================");
        Console.WriteLine(" First start: an administrator account was created.");
        Console.WriteLine($"   Email:    {input.Email}");
        Console.WriteLine($"   Password: {password}");
        Console.WriteLine(" Sign in and change the password (top right menu > Change password).");
        Console.WriteLine(" This password is shown only this once.");
        Console.WriteLine("==================================================================");
        Console.WriteLine();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).</summary>
    public static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
}
