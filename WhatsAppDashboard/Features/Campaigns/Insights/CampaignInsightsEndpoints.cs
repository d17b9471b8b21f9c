using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Campaigns.Insights;

/// <summary>
/// <c>GET /campaigns/{id}/recipients.csv?q=&amp;status=</c>: the campaign's recipients as a CSV file, with the filter of
/// the recipients table. Anyone who may view campaigns may export them.
/// </summary>
public static class CampaignInsightsEndpoints
{
    public static string ExportPath(int campaignId) => $"/campaigns/{campaignId}/recipients.csv";

    public static IEndpointRouteBuilder MapCampaignInsightsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/campaigns/{id:int}/recipients.csv", ExportAsync).RequireAuthorization(Permissions.CampaignsView);
        return app;
    }

    private static async Task<Results<EmptyHttpResult, NotFound>> ExportAsync(
        int id, string? q, string? status, HttpContext context, RecipientCsvExport export, CancellationToken ct)
    {
        var name = await export.CampaignNameAsync(id, ct);
        if (name is null)
            return TypedResults.NotFound();
        var query = RecipientQuery.From(q, status, null, null);
        await export.AuditAsync(id, name, query, context.User.Identity?.Name ?? "unknown", ct);

        context.Response.ContentType = "text/csv; charset=utf-8";
        var fileName = export.FileName(id, name, query);
        context.Response.Headers.ContentDisposition =
            new ContentDispositionHeaderValue("attachment") { FileName = fileName, FileNameStar = fileName }.ToString();
        // Personal data: no shared cache keeps a copy.
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new StreamWriter(context.Response.Body, CsvWriter.FileEncoding, bufferSize: 16 * 1024, leaveOpen: true);
        await export.WriteAsync(id, query, writer, ct);
        return TypedResults.Empty;
    }
}
