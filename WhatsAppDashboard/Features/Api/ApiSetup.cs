using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using WhatsAppDashboard.Cli;
using WhatsAppDashboard.Features.Api.Accounts;
using WhatsAppDashboard.Features.Api.Dashboard;
using WhatsAppDashboard.Features.Api.Contacts;
using WhatsAppDashboard.Features.Api.Docs;
using WhatsAppDashboard.Features.Api.Templates;
using WhatsAppDashboard.Features.Api.Campaigns;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// REST API v1 under <c>/api/v1</c>: authenticated by API key only (never the sign-in cookie, so a browser
/// session cannot be ridden by another site), rate-limited per key, errors as problem details.
/// </summary>
public static class ApiSetup
{
    public const string Prefix = "/api/v1";

    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        builder.Services.AddSingleton<ApiRateLimit>();
        builder.Services.AddScoped<ApiKeyAdministration>();
        builder.Services.AddScoped<ApiKeyReveal>();
        builder.Services.AddCliCommand<CreateApiKeyCommand>();
        builder.Services.AddCampaignsApi();
        // Enums travel as camelCase strings ("running", "delivered"), which integrators can read and send.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        builder.AddApiDocs();
        return builder;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        var rateLimit = app.Services.GetRequiredService<ApiRateLimit>();
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            // Keys are not cookies: there is no ambient credential for another site to forge requests with.
            .DisableAntiforgery()
            .AddEndpointFilter(rateLimit.FilterAsync)
            .WithTags("API v1");

        api.MapAccountsApi();
        api.MapDashboardApi();
        api.MapTemplatesApi();
        api.MapContactsApi();
        api.MapCampaignsApi();

        // An unknown address under the API answers in the API's own language.
        api.MapFallback(() => ApiProblems.NotFound("There is no such API endpoint.")).ExcludeFromDescription();
        app.MapApiDocs();
        return app;
    }
}
