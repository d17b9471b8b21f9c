using WhatsAppDashboard.Cli;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// <c>create-api-key --name NAME --permissions campaigns.view,campaigns.create</c>: creates a key and prints it once,
/// alone on standard output (so a script can capture it); the explanation goes to standard error.
/// </summary>
public sealed class CreateApiKeyCommand(TextWriter? output = null, TextWriter? messages = null) : ICliCommand
{
    public string Name => "create-api-key";
    public string Usage => "create-api-key --name NAME --permissions PERM[,PERM…]";
    public string Description => "Create an API key and print it once.";

    public async Task<int> RunAsync(IServiceProvider services, CommandArguments arguments, CancellationToken ct)
    {
        var name = arguments.Required("name").Trim();
        var list = arguments.Required("permissions");
        arguments.EnsureAllUsed(Usage);
        if (name.Length is 0 or > 100)
            throw new CommandException("Give the key a name of 1 to 100 characters.", 2);
        var permissions = ApiKeyAdministration.ParsePermissions(list, out var error);
        if (error is not null)
            throw new CommandException(error, 2);

        await using var scope = services.CreateAsyncScope();
        var (result, key) = await scope.ServiceProvider.GetRequiredService<ApiKeyAdministration>()
            .CreateAsync(name, permissions, "command line", null, ct);
        if (!result.Succeeded)
            throw new CommandException(string.Join(" ", result.FieldErrors.SelectMany(f => f.Value).DefaultIfEmpty(result.Error ?? "Failed.")));

        (output ?? Console.Out).WriteLine(key);
        (messages ?? Console.Error).WriteLine(
            $"API key \"{name}\" created with {string.Join(", ", permissions)}. It is shown this once: send it in the {ApiKeyTokens.HeaderName} header.");
        return 0;
    }
}
