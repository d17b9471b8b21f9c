using System.ComponentModel.DataAnnotations;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Users;

namespace WhatsAppDashboard.Cli;

public sealed class CreateAdminCommand : ICliCommand
{
    public string Name => "create-admin";
    public string Usage => "create-admin --email EMAIL --password PASSWORD [--name NAME]";
    public string Description => "Create an administrator account.";

    public async Task<int> RunAsync(IServiceProvider services, CommandArguments arguments, CancellationToken ct)
    {
        var input = new NewUserInput
        {
            Email = arguments.Required("email"),
            Password = arguments.Required("password"),
            DisplayName = arguments.Optional("name") ?? "Administrator",
            Role = Roles.Admin,
        };
        arguments.EnsureAllUsed(Usage);

        var validation = new List<ValidationResult>();
        if (!Validator.TryValidateObject(input, new ValidationContext(input), validation, validateAllProperties: true))
            throw new CommandException(string.Join(" ", validation.Select(v => v.ErrorMessage)), 2);

        await using var scope = services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(input, "command line", ct);
        if (!result.Succeeded)
            throw new CommandException(string.Join(" ", result.FieldErrors.SelectMany(f => f.Value).DefaultIfEmpty(result.Error ?? "Failed.")));
        Console.WriteLine($"Administrator {input.Email} created. Sign in at /account/login.");
        return 0;
    }
}
