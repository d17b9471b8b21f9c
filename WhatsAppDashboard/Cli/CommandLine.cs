namespace WhatsAppDashboard.Cli;

/// <summary>A subcommand of the app binary, such as <c>migrate</c>. Features register theirs with <see cref="CommandLine.AddCliCommand{T}"/>.</summary>
public interface ICliCommand
{
    string Name { get; }
    string Usage { get; }
    string Description { get; }
    Task<int> RunAsync(IServiceProvider services, CommandArguments arguments, CancellationToken ct);
}

/// <summary>A failure the user can fix: printed as a message, never as a stack trace.</summary>
public sealed class CommandException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// The same binary serves the web app (no arguments, or only options like --urls) or runs a subcommand.
/// </summary>
public static class CommandLine
{
    public static IServiceCollection AddCliCommand<T>(this IServiceCollection services) where T : class, ICliCommand =>
        services.AddSingleton<ICliCommand, T>();

    public static WebApplicationBuilder AddCommandLine(this WebApplicationBuilder builder)
    {
        builder.Services.AddCliCommand<MigrateCommand>();
        builder.Services.AddCliCommand<CreateAdminCommand>();
        return builder;
    }

    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        var commands = services.GetServices<ICliCommand>().OrderBy(c => c.Name).ToList();
        var name = args[0];
        if (name is "help" or "--help")
        {
            PrintHelp(commands, Console.Out);
            return 0;
        }
        var command = commands.FirstOrDefault(c => c.Name == name);
        if (command is null)
        {
            Console.Error.WriteLine($"Unknown command '{name}'.");
            PrintHelp(commands, Console.Error);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        try
        {
            var arguments = CommandArguments.Parse(args.Skip(1));
            var exitCode = await command.RunAsync(services, arguments, cancel.Token);
            arguments.EnsureAllUsed(command.Usage);
            return exitCode;
        }
        catch (CommandException ex)
        {
            Console.Error.WriteLine($"{command.Name}: {ex.Message}");
            return ex.ExitCode;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"{command.Name} failed: {Innermost(ex).Message}");
            return 1;
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    private static void PrintHelp(IEnumerable<ICliCommand> commands, TextWriter output)
    {
        output.WriteLine("Usage: WhatsAppDashboard [command] [options]");
        output.WriteLine("Without a command, serves the dashboard. Commands:");
        foreach (var c in commands)
            output.WriteLine($"  {c.Usage,-58} {c.Description}");
    }
}

/// <summary>Options of the form <c>--name value</c> or <c>--name=value</c>; every option must be consumed.</summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _used = [];

    private CommandArguments(Dictionary<string, string> values) => _values = values;

    public static CommandArguments Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var token = e.Current;
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
                throw new CommandException($"Unexpected argument '{token}'. Options look like --name value.", 2);
            var name = token[2..];
            string value;
            var equals = name.IndexOf('=');
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (!e.MoveNext())
            {
                throw new CommandException($"Option --{name} needs a value.", 2);
            }
            else
            {
                value = e.Current;
            }
            values[name] = value;
        }
        return new CommandArguments(values);
    }

    public string Required(string name) =>
        Optional(name) is { Length: > 0 } value ? value : throw new CommandException($"Missing option --{name}.", 2);

    public string? Optional(string name)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public void EnsureAllUsed(string usage)
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new CommandException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}. Usage: {usage}", 2);
    }
}
