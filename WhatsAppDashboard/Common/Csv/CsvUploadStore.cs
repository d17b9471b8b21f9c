using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace WhatsAppDashboard.Common.Csv;

public sealed class CsvOptions
{
    public const string Section = "Csv";

    /// <summary>The largest CSV file accepted, in megabytes (uploads and imports).</summary>
    [Range(1, 1024)]
    public int MaxFileSizeMb { get; set; } = 50;

    /// <summary>Where uploaded files wait between the upload and the import; defaults to a folder in the
    /// system's temp directory. With several app instances, point this at a shared volume.</summary>
    public string? UploadDirectory { get; set; }

    /// <summary>Uploaded files, import reports and rejects are deleted after this many hours.</summary>
    [Range(1, 24 * 30)]
    public int UploadRetentionHours { get; set; } = 24;

    public long MaxFileBytes => MaxFileSizeMb * 1024L * 1024L;

    public string ResolvedUploadDirectory =>
        string.IsNullOrWhiteSpace(UploadDirectory) ? Path.Combine(Path.GetTempPath(), "whatsapp-dashboard-uploads") : UploadDirectory;
}

/// <summary>An uploaded CSV file waiting to be used, checked once when it arrived.</summary>
public sealed record CsvUpload(
    string Id,
    string FileName,
    string OwnerId,
    DateTimeOffset UploadedAt,
    long SizeBytes,
    IReadOnlyList<string> Header,
    char Delimiter,
    int DataRows,
    int MalformedRows);

public sealed record CsvUploadResult(CsvUpload? Upload, string? Error);

/// <summary>
/// Keeps uploaded CSV files on disk (never in memory) under an unguessable id, so a multi-step page can refer to
/// the file across requests. Each upload belongs to the user who sent it. Files, and anything a feature stores
/// beside them (reports, rejects), are deleted after <see cref="CsvOptions.UploadRetentionHours"/>.
/// </summary>
public sealed partial class CsvUploadStore(IOptions<CsvOptions> options, TimeProvider clock, ILogger<CsvUploadStore> logger)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private CsvOptions Options => options.Value;

    /// <summary>More columns than anyone maps: the column form would also exceed the server's form field limit.</summary>
    public const int MaxColumns = 500;

    private string Directory => Options.ResolvedUploadDirectory;

    /// <summary>Copies <paramref name="content"/> to disk, enforcing the size limit while copying, then reads it once
    /// to check encoding and header and to count its rows. On any problem nothing is kept.</summary>
    public async Task<CsvUploadResult> SaveAsync(Stream content, string fileName, string ownerId, CancellationToken ct = default)
    {
        DeleteExpired();
        System.IO.Directory.CreateDirectory(Directory);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var path = PathFor(id, "csv");
        try
        {
            var size = await CopyWithLimitAsync(content, path, ct);
            if (size == 0)
                return Refuse(id, "The file is empty: it needs a header row with column names, then one row per contact.");

            int rows = 0, malformed = 0;
            IReadOnlyList<string> header;
            char delimiter;
            await using (var stream = File.OpenRead(path))
            using (var reader = await CsvReader.OpenAsync(stream, Options.MaxFileBytes, ct: ct))
            {
                header = reader.Header;
                delimiter = reader.Delimiter;
                if (header.Count > MaxColumns)
                    throw new CsvFileException(
                        $"The file has {header.Count:N0} columns; at most {MaxColumns:N0} can be imported: remove the columns you do not need.");
                await foreach (var row in reader.ReadRowsAsync(ct))
                {
                    rows++;
                    if (!row.IsValid)
                        malformed++;
                }
            }

            var upload = new CsvUpload(id, CleanFileName(fileName), ownerId, clock.GetUtcNow(), size, header, delimiter, rows, malformed);
            // Written last: an upload without its description is incomplete and never found.
            await File.WriteAllTextAsync(PathFor(id, "json"), JsonSerializer.Serialize(upload, Json), ct);
            return new CsvUploadResult(upload, null);
        }
        catch (CsvFileException ex)
        {
            return Refuse(id, ex.Message);
        }
        catch
        {
            DeleteFiles(id);
            throw;
        }
    }

    /// <summary>The upload with this id if it exists, has not expired and belongs to <paramref name="ownerId"/>.</summary>
    public CsvUpload? Find(string? id, string ownerId)
    {
        if (id is null || !IdPattern().IsMatch(id))
            return null;
        var path = PathFor(id, "json");
        if (!File.Exists(path))
            return null;
        try
        {
            var upload = JsonSerializer.Deserialize<CsvUpload>(File.ReadAllText(path), Json);
            return upload is not null && upload.OwnerId == ownerId && !IsExpired(upload.UploadedAt) ? upload : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            logger.LogWarning(ex, "Upload {UploadId} could not be read", id);
            return null;
        }
    }

    /// <summary>Opens the uploaded file for reading, from its header on.</summary>
    public async Task<CsvReader> OpenAsync(CsvUpload upload, CancellationToken ct = default) =>
        await CsvReader.OpenAsync(File.OpenRead(PathFor(upload.Id, "csv")), Options.MaxFileBytes, ct: ct);

    /// <summary>The path of a file a feature keeps beside the upload (its <paramref name="suffix"/>, such as
    /// "rejects.csv"); deleted with the upload.</summary>
    public string PathFor(string id, string suffix)
    {
        if (!IdPattern().IsMatch(id) || !SuffixPattern().IsMatch(suffix))
            throw new ArgumentException("Not an upload id or file suffix.");
        return Path.Combine(Directory, $"{id}.{suffix}");
    }

    /// <summary>Marks the upload as taken for <paramref name="purpose"/>; false when it already was (a second
    /// click, or a second tab), so one file is imported once.</summary>
    public bool TryClaim(CsvUpload upload, string purpose)
    {
        try
        {
            using var _ = new FileStream(PathFor(upload.Id, purpose + ".claim"), FileMode.CreateNew, FileAccess.Write);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Gives a claim back (the work it guarded failed and may be retried).</summary>
    public void ReleaseClaim(CsvUpload upload, string purpose) => File.Delete(PathFor(upload.Id, purpose + ".claim"));

    /// <summary>Deletes uploads (and their companion files) older than the retention period.</summary>
    public void DeleteExpired()
    {
        if (!System.IO.Directory.Exists(Directory))
            return;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            var name = Path.GetFileName(path);
            if (name.Length < 33 || !IdPattern().IsMatch(name[..32]) || name[32] != '.')
                continue;
            try
            {
                // File times are good enough here: a file older than the retention period by the wall clock is stale.
                if (IsExpired(new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero)))
                    File.Delete(path);
            }
            catch (IOException ex)
            {
                logger.LogWarning(ex, "Could not delete the expired upload file {File}", name);
            }
        }
    }

    private bool IsExpired(DateTimeOffset at) => at < clock.GetUtcNow() - TimeSpan.FromHours(Options.UploadRetentionHours);

    private async Task<long> CopyWithLimitAsync(Stream content, string path, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > Options.MaxFileBytes)
                throw new CsvFileException($"The file is larger than the {Options.MaxFileSizeMb} MB limit: split it into smaller files.");
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        return total;
    }

    private CsvUploadResult Refuse(string id, string message)
    {
        DeleteFiles(id);
        return new CsvUploadResult(null, message);
    }

    private void DeleteFiles(string id)
    {
        if (!System.IO.Directory.Exists(Directory))
            return;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, id + ".*"))
            File.Delete(path);
    }

    private static string CleanFileName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return name.Length switch { 0 => "upload.csv", > 200 => name[..200], _ => name };
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9-]+(\\.[a-z0-9-]+)*$")]
    private static partial Regex SuffixPattern();
}

/// <summary>Deletes expired uploads at start-up and then every hour.</summary>
public sealed class CsvUploadCleanup(CsvUploadStore store, TimeProvider clock, ILogger<CsvUploadCleanup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                store.DeleteExpired();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "Cleaning up expired uploads failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

public static class CsvSetup
{
    /// <summary>Registers the CSV options, upload store and its cleanup; safe to call from several features.</summary>
    public static WebApplicationBuilder AddCsvFiles(this WebApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(CsvUploadStore)))
            return builder;
        builder.Services.AddOptions<CsvOptions>().BindConfiguration(CsvOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CsvUploadStore>();
        builder.Services.AddHostedService<CsvUploadCleanup>();
        return builder;
    }
}
