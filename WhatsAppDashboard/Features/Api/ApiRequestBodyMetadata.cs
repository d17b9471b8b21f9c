namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// Describes an endpoint's request body for the OpenAPI document only (<see cref="Docs.ApiDocsSetup"/> reads it).
/// Handlers that read their body themselves (JSON or a CSV form) use it instead of <c>Accepts(…)</c>, whose metadata
/// also takes part in routing: a request with another content type would then miss the endpoint and reach the API's
/// 404 fallback instead of the handler's own 415. An endpoint may carry several, one per body type.
/// </summary>
public sealed record ApiRequestBodyMetadata(Type RequestType, IReadOnlyList<string> ContentTypes, bool IsOptional);

public static class ApiRequestBodies
{
    public static RouteHandlerBuilder DescribeBody<T>(this RouteHandlerBuilder endpoint, params string[] contentTypes) =>
        endpoint.WithMetadata(new ApiRequestBodyMetadata(typeof(T), contentTypes, IsOptional: false));
}
