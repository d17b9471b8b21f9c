using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Features.Api;

public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Requests each key may make per minute before it gets 429.</summary>
    public int RequestsPerMinute { get; set; } = 600;
}

/// <summary>
/// One fixed one-minute window per API key. Runs as an endpoint filter, i.e. after authentication, so a
/// request without a valid key gets 401 and never spends anyone's budget.
/// </summary>
public sealed class ApiRateLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter;

    public ApiRateLimit(IOptions<ApiOptions> options)
    {
        var perMinute = Math.Max(1, options.Value.RequestsPerMinute);
        limiter = PartitionedRateLimiter.Create<string, string>(keyId => RateLimitPartition.GetFixedWindowLimiter(keyId, _ =>
            new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var keyId = context.HttpContext.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value;
        if (keyId is null)
            return await next(context);
        using var lease = limiter.AttemptAcquire(keyId);
        if (lease.IsAcquired)
            return await next(context);

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(ApiProblems.Details(StatusCodes.Status429TooManyRequests, "Too many requests",
            $"This key has used its requests for this minute. Try again in {seconds} s."));
    }


    public void Dispose() => limiter.Dispose();
}
