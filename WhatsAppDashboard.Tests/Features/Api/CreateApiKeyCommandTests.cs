using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Cli;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Api;

public sealed class CreateApiKeyCommandTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task The_command_prints_a_working_key_once_with_exactly_the_permissions_asked_for()
    {
        var output = new StringWriter();
        var messages = new StringWriter();
        var command = new CreateApiKeyCommand(output, messages);

        var exitCode = await command.RunAsync(app.Services,
            CommandArguments.Parse(["--name", "Nightly CRM", "--permissions", "campaigns.view, CONTACTS.manage"]), CancellationToken.None);

        exitCode.Should().Be(0);
        var key = output.ToString().Trim();
        key.Should().MatchRegex("^wad_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$", "only the key goes to standard output, for scripts");
        messages.ToString().Should().Contain("Nightly CRM").And.Contain("X-API-Key").And.NotContain(key);
        var stored = await app.WithDbAsync(db => db.ApiKeys.SingleAsync(k => k.Name == "Nightly CRM"));
        stored.Permissions.Should().Equal(Permissions.CampaignsView, Permissions.ContactsManage);
        stored.KeyHash.Should().Be(ApiKeyTokens.Hash(key));
        stored.CreatedByName.Should().Be("command line");

        var api = app.ApiClient(key);
        (await api.GetAsync("/api/v1/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.GetAsync("/api/v1/contacts")).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await api.PostAsync("/api/v1/templates/sync?accountId=1", null)).ProblemAsync(403);
        var target = "api-key:" + key[..12];
        (await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "api-key.created" && e.Target == target)))
            .Should().Be(1);
    }

    [Fact]
    public async Task The_command_is_registered_and_listed_in_help()
    {
        (await CommandLine.RunAsync(app.Services, ["create-api-key", "--name", "Registered", "--permissions", "templates.view"])).Should().Be(0);

        (await app.WithDbAsync(db => db.ApiKeys.SingleAsync(k => k.Name == "Registered"))).Permissions.Should().Equal(Permissions.TemplatesView);
        // `help` prints every registered command with its usage.
        app.Services.GetServices<ICliCommand>().Should().ContainSingle(c => c.Name == "create-api-key")
            .Which.Usage.Should().StartWith("create-api-key --name NAME --permissions");
    }

    public static TheoryData<string, string[]> UsageErrors => new()
    {
        { "no-permissions", ["create-api-key", "--name", "no-permissions"] },
        { "empty-permissions", ["create-api-key", "--name", "empty-permissions", "--permissions", " , "] },
        { "unknown-permission", ["create-api-key", "--name", "unknown-permission", "--permissions", "campaigns.view,campaigns.fly"] },
        { "not-grantable", ["create-api-key", "--name", "not-grantable", "--permissions", "users.manage"] },
        { "extra-option", ["create-api-key", "--name", "extra-option", "--permissions", "campaigns.view", "--expires", "never"] },
        { "", ["create-api-key", "--permissions", "campaigns.view"] },
        { new string('x', 101), ["create-api-key", "--name", new string('x', 101), "--permissions", "campaigns.view"] },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Bad_usage_exits_with_2_and_creates_no_key(string name, string[] args)
    {
        (await CommandLine.RunAsync(app.Services, args)).Should().Be(2);

        (await app.WithDbAsync(db => db.ApiKeys.CountAsync(k => k.Name == name))).Should().Be(0);
    }

    [Fact]
    public async Task An_unknown_permission_is_named_in_the_message()
    {
        var command = new CreateApiKeyCommand(TextWriter.Null, TextWriter.Null);

        var refusal = await FluentActions.Awaiting(() => command.RunAsync(app.Services,
                CommandArguments.Parse(["--name", "Typo", "--permissions", "campaigns.veiw"]), CancellationToken.None))
            .Should().ThrowAsync<CommandException>();

        refusal.Which.ExitCode.Should().Be(2);
        refusal.Which.Message.Should().Contain("campaigns.veiw").And.Contain("campaigns.view");
    }

    [Fact]
    public async Task A_name_already_used_by_an_active_key_exits_with_1()
    {
        (await CommandLine.RunAsync(app.Services, ["create-api-key", "--name", "Twice", "--permissions", "campaigns.view"])).Should().Be(0);

        (await CommandLine.RunAsync(app.Services, ["create-api-key", "--name", "Twice", "--permissions", "campaigns.view"])).Should().Be(1);

        (await app.WithDbAsync(db => db.ApiKeys.CountAsync(k => k.Name == "Twice"))).Should().Be(1);
    }
}
