using System.Net;
using System.Text.Json;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Data;

public sealed class HealthTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Health_answers_anonymously_with_200_and_healthy()
    {
        var response = await app.CreateBrowserlessClient().GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK, "monitoring needs no sign-in");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("status").GetString().Should().Be("Healthy");
        json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().Should().Be("Healthy");
    }
}

/// <summary>Its own app and database, which the test drops; the fixture's clean-up tolerates that (DROP … IF EXISTS).</summary>
public sealed class DatabaseGoneFactory : AppFactory
{
    // The scheduler polls its job store in the database this test drops; it has nothing to do here.
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Scheduling:Enabled"] = "false",
    };
}

public sealed class HealthWithoutDatabaseTests(DatabaseGoneFactory app) : IClassFixture<DatabaseGoneFactory>
{
    [Fact]
    public async Task Health_answers_503_and_unhealthy_when_the_database_is_gone()
    {
        var client = app.CreateBrowserlessClient();
        (await client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK, "the database is there at first");

        await TestDatabase.DropAsync(app.ConnectionString);

        var response = await client.GetAsync("/health");
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("status").GetString().Should().Be("Unhealthy");
        json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().Should().Be("Unhealthy");
    }
}
