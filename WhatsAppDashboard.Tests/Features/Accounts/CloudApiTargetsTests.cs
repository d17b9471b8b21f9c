using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Tests.Features.Accounts;

public sealed class CloudApiTargetsTests
{
    private static readonly AccountSecrets Secrets = new(new EphemeralDataProtectionProvider());

    [Fact]
    public void A_meta_account_calls_its_base_url_with_its_decrypted_token()
    {
        var target = Targets().For(Account("https://graph.facebook.com/", sandbox: false));

        target.Target.Should().Be(new CloudApiTarget("https://graph.facebook.com", "v23.0", "1234567890", "9876543210", "EAAG-plain-token"));
    }

    [Theory]
    [InlineData("", "http://127.0.0.1:5080/sandbox/graph", new[] { "https://0.0.0.0:5443", "http://[::]:5080" })]
    [InlineData("", "http://localhost:5000/sandbox/graph", new[] { "https://localhost:5001", "http://localhost:5000" })]
    [InlineData("/sandbox/graph/", "http://127.0.0.1:8080/sandbox/graph", new[] { "http://+:8080" })]
    [InlineData("http://simulator:9000/sandbox/graph", "http://simulator:9000/sandbox/graph", new[] { "http://localhost:5000" })]
    public void A_sandbox_account_without_an_absolute_url_calls_this_apps_own_simulator(string baseUrl, string expected, string[] listening)
    {
        Targets(listening).For(Account(baseUrl, sandbox: true)).Target!.BaseUrl.Should().Be(expected);
    }

    [Fact]
    public void Missing_or_undecryptable_tokens_and_unknown_addresses_are_explained()
    {
        var noToken = Account("https://graph.facebook.com", sandbox: false);
        noToken.AccessTokenProtected = null;
        Targets().For(noToken).Error.Should().Be("Line 1 has no access token: enter one on the account page.");

        var foreign = Account("https://graph.facebook.com", sandbox: false);
        foreign.AccessTokenProtected = new AccountSecrets(new EphemeralDataProtectionProvider()).Protect(AccountSecretKind.AccessToken, "x");
        Targets().For(foreign).Error.Should().Contain("cannot be decrypted");

        Targets([]).For(Account("", sandbox: true)).Error.Should().Contain("this app's own address is not known");
    }

    private static CloudApiTargets Targets(params string[] addresses) => new(Secrets, new ListeningServer(addresses));

    private static WhatsAppAccount Account(string baseUrl, bool sandbox) => new()
    {
        Name = "Line 1",
        PhoneNumberId = "1234567890",
        WabaId = "9876543210",
        GraphApiVersion = "v23.0",
        ApiBaseUrl = baseUrl,
        IsSandbox = sandbox,
        AccessTokenProtected = Secrets.Protect(AccountSecretKind.AccessToken, "EAAG-plain-token"),
    };

    /// <summary>Only the addresses a Kestrel server reports; nothing is served.</summary>
    private sealed class ListeningServer : IServer
    {
        public ListeningServer(string[] addresses)
        {
            var feature = new ServerAddressesFeature();
            foreach (var address in addresses)
                feature.Addresses.Add(address);
            Features.Set<IServerAddressesFeature>(feature);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
            Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
