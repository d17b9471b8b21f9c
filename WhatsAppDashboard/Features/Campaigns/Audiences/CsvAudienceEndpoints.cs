using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Components.Flash;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Contacts;

namespace WhatsAppDashboard.Features.Campaigns.Audiences;

/// <summary>The audience step's routes that are files rather than pages: the CSV upload and the rejects download.</summary>
public static class CsvAudienceEndpoints
{
    public const string UploadField = "file";

    public static string UploadPath(int campaignId) => $"/campaigns/{campaignId}/audience/upload";

    public static string RejectsPath(int campaignId) => $"/campaigns/{campaignId}/audience/rejects";

    public static string AudiencePage(int campaignId, string? uploadId = null) =>
        $"/campaigns/{campaignId}/audience?kind=csv" + (uploadId is null ? "" : "&upload=" + uploadId);

    public static IEndpointRouteBuilder MapCsvAudienceEndpoints(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<CsvOptions>>().Value;
        app.MapPost("/campaigns/{id:int}/audience/upload", UploadAsync)
            .RequireAuthorization(Permissions.CampaignsEdit)
            .WithMetadata(new RequestSizeLimitAttribute(CsvUploadRequest.BodyLimit(options)))
            .DisableAntiforgery(); // validated by CsvUploadRequest, after the size check
        app.MapGet("/campaigns/{id:int}/audience/rejects", RejectsAsync).RequireAuthorization(Permissions.CampaignsEdit);
        return app;
    }

    private static async Task<RedirectHttpResult> UploadAsync(
        int id, HttpContext context, CampaignDrafts drafts, IAntiforgery antiforgery, CsvUploadStore store, IOptions<CsvOptions> options,
        FlashMessages flash, CancellationToken ct)
    {
        var draft = await drafts.LoadForEditAsync(id, ct);
        if (!draft.Succeeded)
        {
            flash.Error(draft.Refusal!);
            return TypedResults.Redirect(draft.NotFound ? "/campaigns" : AudiencePage(id));
        }

        var result = await CsvUploadRequest.ReadAsync(
            context, antiforgery, store, options.Value, UploadField, ContactEndpoints.UserId(context.User), ct);
        if (result.Upload is null)
        {
            flash.Error(result.Error!);
            return TypedResults.Redirect(AudiencePage(id));
        }
        if (result.Upload.DataRows == 0)
        {
            flash.Error("The file has a header row but no rows: add one row per recipient.");
            return TypedResults.Redirect(AudiencePage(id));
        }
        return TypedResults.Redirect(AudiencePage(id, result.Upload.Id));
    }

    private static async Task<Results<EmptyHttpResult, NotFound>> RejectsAsync(
        int id, HttpContext context, AppDbContext db, CsvAudienceImport import, CancellationToken ct)
    {
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (campaign is null || AudienceSettings.Read(campaign).Csv is not { } csv
            || !await db.CampaignAudienceRejects.AnyAsync(r => r.CampaignId == id, ct))
            return TypedResults.NotFound();

        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
        {
            FileNameStar = "rejects-" + Path.GetFileNameWithoutExtension(csv.FileName) + ".csv",
        }.ToString();
        await using var writer = new StreamWriter(context.Response.Body, CsvWriter.FileEncoding, bufferSize: 16 * 1024, leaveOpen: true);
        await import.WriteRejectsAsync(id, csv.Columns, writer, ct);
        return TypedResults.Empty;
    }
}
