namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>One person of an audience: phone as given (normalised later), name, and any fields for mappings.</summary>
public sealed record AudienceMember(string Phone, string Name, IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// A named audience written in C#: register with <c>builder.Services.AddAudienceProvider&lt;T&gt;("key", "Display name")</c>
/// and it appears in the wizard's dropdown. Resolved in a DI scope, so it may use <c>AppDbContext</c>.
/// </summary>
public interface IAudienceProvider
{
    /// <summary>Field names the members carry besides phone and name (offered as mapping sources).</summary>
    IReadOnlyList<string> Fields { get; }

    IAsyncEnumerable<AudienceMember> GetMembersAsync(CancellationToken ct);
}

/// <summary>A registered provider, as the wizard lists it.</summary>
public sealed record AudienceProviderRegistration(string Key, string DisplayName, Type ProviderType);

public static class AudienceProviderRegistry
{
    public static IServiceCollection AddAudienceProvider<T>(this IServiceCollection services, string key, string displayName)
        where T : class, IAudienceProvider
    {
        services.AddScoped<T>();
        services.AddSingleton(new AudienceProviderRegistration(key, displayName, typeof(T)));
        return services;
    }

    /// <summary>The provider registered under <paramref name="key"/>, or null when none is (any more).</summary>
    public static IAudienceProvider? Resolve(IServiceProvider scope, string key) =>
        scope.GetServices<AudienceProviderRegistration>().FirstOrDefault(r => r.Key == key) is { } registration
            ? (IAudienceProvider)scope.GetRequiredService(registration.ProviderType)
            : null;
}
