using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Components.Flash;
using WhatsAppDashboard.Features.Auth;

namespace WhatsAppDashboard.Features.Contacts;

/// <summary>
/// The contacts routes that are files rather than pages: the CSV upload (step 1 of the import), the export,
/// and the rejects of an import.
/// </summary>
public static class ContactEndpoints
{
    public const string UploadPath = "/contacts/import/upload";
    public const string UploadField = "file";

    /// <summary>Room for the multipart framing and the antiforgery token around the file itself.</summary>
    private const long MultipartOverhead = 64 * 1024;

    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var maxFileBytes = app.ServiceProvider.GetRequiredService<IOptions<CsvOptions>>().Value.MaxFileBytes;

        // A plain endpoint rather than a page form: only here can the request body limit follow Csv:MaxFileSizeMb
        // (Kestrel's default stops at about 28 MB), and the size be checked before the body is read.
        app.MapPost(UploadPath, UploadAsync)
            .RequireAuthorization(Permissions.ContactsManage)
            .WithMetadata(new RequestSizeLimitAttribute(maxFileBytes + MultipartOverhead))
            .DisableAntiforgery(); // validated by the handler, after the size check

        app.MapGet("/contacts/export", ExportAsync).RequireAuthorization(Permissions.ContactsManage);

        app.MapGet("/contacts/import/{uploadId}/rejects", Rejects).RequireAuthorization(Permissions.ContactsManage);
        return app;
    }

    private static async Task<RedirectHttpResult> UploadAsync(
        HttpContext context, IAntiforgery antiforgery, CsvUploadStore store, IOptions<CsvOptions> options, FlashMessages flash,
        CancellationToken ct)
    {
        var limit = options.Value;
        var tooLarge = $"The file is larger than the {limit.MaxFileSizeMb} MB limit: split it into smaller files.";
        const string back = "/contacts/import";
        if (context.Request.ContentLength > limit.MaxFileBytes + MultipartOverhead)
            return Refuse(tooLarge);

        // The form reader's own limit (128 MB by default) must not be below ours.
        context.Features.Set<IFormFeature>(new FormFeature(context.Request, new FormOptions
        {
            MultipartBodyLengthLimit = limit.MaxFileBytes + MultipartOverhead,
        }));
        IFormFile? file;
        try
        {
            await antiforgery.ValidateRequestAsync(context);
            // Files above 64 KB are buffered to disk by ASP.NET Core, never held in memory.
            file = (await context.Request.ReadFormAsync(ct)).Files.GetFile(UploadField);
        }
        catch (AntiforgeryValidationException)
        {
            return Refuse("The upload form had expired. Choose the file again and upload it.");
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            return Refuse(tooLarge);
        }

        if (file is null || file.Length == 0)
            return Refuse(file is null ? "Choose a CSV file to upload." : "The file is empty: it needs a header row and one row per contact.");

        await using var content = file.OpenReadStream();
        var result = await store.SaveAsync(content, file.FileName, UserId(context.User), ct);
        return result.Upload is null ? Refuse(result.Error!) : TypedResults.Redirect($"/contacts/import/{result.Upload.Id}");

        RedirectHttpResult Refuse(string message)
        {
            flash.Error(message);
            return TypedResults.Redirect(back);
        }
    }

    private static async Task ExportAsync(
        HttpContext context, ContactExporter exporter,
        string? q, string? label, string? status, string? sort, string? dir, CancellationToken ct)
    {
        var query = ContactListQuery.From(q, label, status, sort, dir, null, null);
        await exporter.AuditAsync(query, context.User.Identity?.Name ?? "unknown", ct);

        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition =
            new ContentDispositionHeaderValue("attachment") { FileNameStar = exporter.FileName() }.ToString();
        await using var writer = new StreamWriter(context.Response.Body, CsvWriter.FileEncoding, bufferSize: 16 * 1024, leaveOpen: true);
        await exporter.WriteAsync(query, writer, ct);
    }

    private static Results<PhysicalFileHttpResult, NotFound> Rejects(
        string uploadId, HttpContext context, CsvUploadStore store, ContactImporter importer)
    {
        var upload = store.Find(uploadId, UserId(context.User));
        if (upload is null || importer.RejectsPath(upload) is not { } path)
            return TypedResults.NotFound();
        var name = "rejects-" + Path.GetFileNameWithoutExtension(upload.FileName) + ".csv";
        return TypedResults.PhysicalFile(path, "text/csv; charset=utf-8", name);
    }

    /// <summary>Uploads belong to the Identity user id of whoever sent them.</summary>
    public static string UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
}
