using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Users;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Users;

/// <summary>Two admins stepping on each other at the same instant must still leave one admin.</summary>
public sealed class AdminRaceTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_leave_exactly_one_admin()
    {
        for (var round = 0; round < 5; round++)
        {
            var first = await app.CreateUserAsync(Roles.Admin);
            var second = await app.CreateUserAsync(Roles.Admin);
            await RemoveOtherAdminsAsync(keep: [first.Email, second.Email]);
            var firstId = await IdOfAsync(first.Email);
            var secondId = await IdOfAsync(second.Email);

            var results = await Task.WhenAll(
                InScopeAsync(a => a.ChangeRoleAsync(firstId, Roles.Viewer, second.Email)),
                InScopeAsync(a => a.SetDisabledAsync(secondId, true, firstId, first.Email)));

            results.Count(r => r.Succeeded).Should().Be(1, "only one of the two moves can win");
            (await ActiveAdminCountAsync()).Should().Be(1);
        }
    }

    private async Task<WhatsAppDashboard.Common.OperationResult> InScopeAsync(
        Func<UserAdministration, Task<WhatsAppDashboard.Common.OperationResult>> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserAdministration>());
    }

    private async Task<string> IdOfAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email))!.Id;
    }

    private async Task RemoveOtherAdminsAsync(string[] keep)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        foreach (var admin in await users.GetUsersInRoleAsync(Roles.Admin))
            if (!keep.Contains(admin.Email))
                await users.RemoveFromRoleAsync(admin, Roles.Admin);
    }

    private async Task<int> ActiveAdminCountAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var admins = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().GetUsersInRoleAsync(Roles.Admin);
        return admins.Count(a => !a.IsDisabled);
    }
}
