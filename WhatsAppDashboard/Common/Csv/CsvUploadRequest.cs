using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;

namespace WhatsAppDashboard.Common.Csv;

/// <summary>
/// Reads a CSV file posted as multipart/form-data to a plain endpoint (not a page form: only there can the request
/// body limit follow <see cref="CsvOptions.MaxFileSizeMb"/>, and the size be checked before the body is read). Map the
/// endpoint with <c>.WithMetadata(new RequestSizeLimitAttribute(CsvUploadRequest.BodyLimit(options)))</c> and
/// <c>.DisableAntiforgery()</c>: the antiforgery token is validated here, after the size check.
/// </summary>
public static class CsvUploadRequest
{
    /// <summary>Room for the multipart framing and the antiforgery token around the file itself.</summary>
    public const long MultipartOverhead = 64 * 1024;

    public static long BodyLimit(CsvOptions options) => options.MaxFileBytes + MultipartOverhead;

    /// <summary>Stores the file of form field <paramref name="field"/> for <paramref name="ownerId"/>, or says why not
    /// (too large, expired form, no file, or what the store found wrong with it).</summary>
    public static async Task<CsvUploadResult> ReadAsync(
        HttpContext context, IAntiforgery antiforgery, CsvUploadStore store, CsvOptions options, string field, string ownerId, CancellationToken ct)
    {
        var tooLarge = new CsvUploadResult(null, $"The file is larger than the {options.MaxFileSizeMb} MB limit: split it into smaller files.");
        if (context.Request.ContentLength > BodyLimit(options))
            return tooLarge;

        // The form reader's own limit (128 MB by default) must not be below ours.
        context.Features.Set<IFormFeature>(new FormFeature(context.Request, new FormOptions { MultipartBodyLengthLimit = BodyLimit(options) }));
        IFormFile? file;
        try
        {
            await antiforgery.ValidateRequestAsync(context);
            // Files above 64 KB are buffered to disk by ASP.NET Core, never held in memory.
            file = (await context.Request.ReadFormAsync(ct)).Files.GetFile(field);
        }
        catch (AntiforgeryValidationException)
        {
            return new CsvUploadResult(null, "The upload form had expired. Choose the file again and upload it.");
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            return tooLarge;
        }

        if (file is null)
            return new CsvUploadResult(null, "Choose a CSV file to upload.");
        if (file.Length == 0)
            return new CsvUploadResult(null, "The file is empty: it needs a header row with column names, then one row per recipient.");
        await using var content = file.OpenReadStream();
        return await store.SaveAsync(content, file.FileName, ownerId, ct);
    }
}
