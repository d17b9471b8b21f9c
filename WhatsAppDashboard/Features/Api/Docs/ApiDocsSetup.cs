using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WhatsAppDashboard.Features.Api.Docs;

/// <summary>
/// The OpenAPI document of API v1 at <c>/openapi/v1.json</c> and a page that renders it for people at
/// <c>/api/docs</c> (Swagger UI, served from the package's embedded files: no CDN). Both are anonymous: they describe
/// the contract, hold no data and no secret, and integrators (and their client generators) need them before they
/// hold a key. Every call the document describes still needs a key.
/// </summary>
public static class ApiDocsSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/api/docs";
    public const string SecuritySchemeName = "ApiKey";

    public static WebApplicationBuilder AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            // Only the REST API: not the pages, the webhooks, the sandbox or the form endpoints.
            options.ShouldInclude = description =>
                description.RelativePath is { } path && (path == "api/v1" || path.StartsWith("api/v1/", StringComparison.Ordinal));
            options.AddDocumentTransformer(DescribeDocumentAsync);
            options.AddOperationTransformer(DescribeRequestBodyAsync);
            options.AddOperationTransformer(AddCommonProblemsAsync);
        });
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();

        var page = ((IEndpointRouteBuilder)app).CreateApplicationBuilder();
        // The static-file middleware inside Swagger UI stands aside when an endpoint has already been chosen; this
        // endpoint is the one serving those files, so it hands the request over as if none had been.
        page.Use((context, next) =>
        {
            context.SetEndpoint(null);
            return next(context);
        });
        page.UseSwaggerUI(options =>
        {
            options.RoutePrefix = PagePath.TrimStart('/');
            options.DocumentTitle = "API v1 · WhatsApp Campaign Dashboard";
            options.SwaggerEndpoint(DocumentPath, "WhatsApp Campaign Dashboard API v1");
            options.DisplayRequestDuration();
        });
        app.Map(PagePath + "/{**file}", page.Build()).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "WhatsApp Campaign Dashboard API",
            Version = DocumentName,
            Description =
                $"Send the key in the `{ApiKeyTokens.HeaderName}` header (never in the address). Keys are created on the API keys " +
                "page or with the `create-api-key` command and carry their own permissions. Each key has a per-minute request " +
                "budget (429 with Retry-After when spent). Every error is RFC 7807 problem details; validation errors carry an " +
                "`errors` object keyed by field. JSON is camelCase; enums travel as camelCase strings.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyTokens.HeaderName,
            Description = "An API key such as wad_XXXXXXXX_… created by an admin.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, document)] = [] }];
        return Task.CompletedTask;
    }

    /// <summary>Bodies that handlers read themselves, declared with <see cref="ApiRequestBodyMetadata"/>.</summary>
    private static async Task DescribeRequestBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var bodies = context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiRequestBodyMetadata>().ToList();
        if (bodies.Count == 0)
            return;
        var content = new Dictionary<string, OpenApiMediaType>();
        foreach (var body in bodies)
        {
            var schema = await context.GetOrCreateSchemaAsync(body.RequestType, null, ct);
            foreach (var contentType in body.ContentTypes)
                content[contentType] = new OpenApiMediaType { Schema = schema };
        }
        operation.RequestBody = new OpenApiRequestBody { Required = !bodies.Any(b => b.IsOptional), Content = content };
    }

    /// <summary>Every API operation can answer these, whatever the endpoint declares.</summary>
    private static async Task AddCommonProblemsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct);
        operation.Responses ??= new OpenApiResponses();
        Add(StatusCodes.Status401Unauthorized, "No API key, or one that is wrong or revoked.");
        Add(StatusCodes.Status403Forbidden, "The key does not carry the permission this operation needs.");
        Add(StatusCodes.Status429TooManyRequests, "The key has spent its requests for this minute; Retry-After says when to try again.");

        void Add(int status, string description)
        {
            var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses.ContainsKey(code))
                return;
            operation.Responses[code] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
            };
        }
    }
}
