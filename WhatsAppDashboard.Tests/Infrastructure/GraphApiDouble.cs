using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// A small stand-in for <see cref="ICloudApiClient"/> that answers the way the Graph API does (phone number info,
/// the template list, error 190 for a wrong token). It is the one sanctioned test double, used only until the
/// built-in sandbox simulator (branch feat/cloudapi) is merged; the tests using it will then run against the
/// simulator over real HTTP instead. Keep its users few.
/// </summary>
public sealed class GraphApiDouble : ICloudApiClient
{
    /// <summary>The token Meta would accept; any other gets error 190.</summary>
    public string ValidToken { get; set; } = "";

    /// <summary>Templates listed per WABA id.</summary>
    public ConcurrentDictionary<string, IReadOnlyList<RemoteTemplate>> Templates { get; } = new();

    /// <summary>What the phone number looks like at Meta, per phone-number id.</summary>
    public ConcurrentDictionary<string, PhoneNumberInfo> PhoneNumbers { get; } = new();

    /// <summary>Every target the app called with, in order.</summary>
    public ConcurrentQueue<(string Operation, CloudApiTarget Target)> Calls { get; } = new();

    public Task<CloudApiResult<SendAccepted>> SendTemplateAsync(CloudApiTarget target, TemplateMessage message, CancellationToken ct) =>
        throw new InvalidOperationException("Sending is not part of the accounts and templates tests.");

    public Task<CloudApiResult<IReadOnlyList<RemoteTemplate>>> ListTemplatesAsync(CloudApiTarget target, CancellationToken ct)
    {
        Calls.Enqueue(("list-templates", target));
        if (target.AccessToken != ValidToken)
            return Task.FromResult(CloudApiResult<IReadOnlyList<RemoteTemplate>>.Fail(InvalidToken()));
        return Task.FromResult(CloudApiResult<IReadOnlyList<RemoteTemplate>>.Ok(Templates.GetValueOrDefault(target.WabaId) ?? []));
    }

    public Task<CloudApiResult<PhoneNumberInfo>> GetPhoneNumberAsync(CloudApiTarget target, CancellationToken ct)
    {
        Calls.Enqueue(("phone-number", target));
        if (target.AccessToken != ValidToken)
            return Task.FromResult(CloudApiResult<PhoneNumberInfo>.Fail(InvalidToken()));
        return Task.FromResult(PhoneNumbers.TryGetValue(target.PhoneNumberId, out var info)
            ? CloudApiResult<PhoneNumberInfo>.Ok(info)
            : CloudApiResult<PhoneNumberInfo>.Fail(new CloudApiError(100, 33,
                $"Unsupported get request. Object with ID '{target.PhoneNumberId}' does not exist", null, "AbCdEf123", 400, ErrorClass.Permanent)));
    }

    private static CloudApiError InvalidToken() =>
        new(190, null, "Invalid OAuth access token - Cannot parse access token", null, "AxYz987", 401, ErrorClass.AccountLevel);
}

/// <summary>The app with <see cref="GraphApiDouble"/> as its Cloud API client (see the double for why).</summary>
public sealed class GraphApiDoubleAppFactory : AppFactory
{
    public GraphApiDouble Graph { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<ICloudApiClient>(Graph));
    }
}
