using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Contacts;

namespace WhatsAppDashboard.Features.Api.Contacts;

public sealed record ContactResponse(
    long Id, string PhoneNumber, string Name, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> Labels,
    bool IsOptedOut, DateTimeOffset? OptedOutAt, bool IsBlocked, bool IsActive, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ContactListResponse(IReadOnlyList<ContactResponse> Items, int Total, int Page, int PageSize);

/// <summary>
/// Creates or updates the contact with this phone number. Fields left out keep their stored value (a new contact gets
/// an empty name, no attributes, no labels, active); <see cref="Attributes"/> and <see cref="Labels"/> replace the
/// stored ones when sent.
/// </summary>
public sealed class ContactUpsertRequest
{
    /// <summary>E.164 (<c>+14155550100</c>), or a national number with <see cref="DefaultCountryCode"/>.</summary>
    public string? PhoneNumber { get; set; }
    /// <summary>Applied to a number written without + or 00, for example "44".</summary>
    public string? DefaultCountryCode { get; set; }
    public string? Name { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }
    public List<string>? Labels { get; set; }
    public bool? IsActive { get; set; }
}

/// <summary>
/// Contacts to import. Each item needs <c>phoneNumber</c>; <c>name</c> is optional; every other property is stored as
/// an attribute (text, numbers and true/false). <see cref="Labels"/> are added to every imported contact.
/// </summary>
public sealed class ContactImportRequest
{
    public List<Dictionary<string, JsonElement>>? Contacts { get; set; }
    public string? DefaultCountryCode { get; set; }
    public List<string>? Labels { get; set; }
}

/// <summary>A multipart CSV import: the file in <c>file</c>, with optional form fields.</summary>
public sealed class ContactCsvImportForm
{
    /// <summary>A UTF-8 CSV file with a header row.</summary>
    public IFormFile? File { get; set; }
    /// <summary>The header of the phone column; guessed from names like phoneNumber, phone or mobile when left out.</summary>
    public string? PhoneColumn { get; set; }
    public string? DefaultCountryCode { get; set; }
    /// <summary>Comma-separated labels added to every imported contact.</summary>
    public string? Labels { get; set; }
}

/// <summary><see cref="Row"/> is the spreadsheet row of a CSV file (the header is row 1), or the 1-based position in the JSON list.</summary>
public sealed record ContactImportErrorResponse(int Row, string? PhoneNumber, string Reason);

public sealed record ContactImportResponse(
    int Imported, int Updated, int Duplicates, int Invalid, IReadOnlyList<ContactImportErrorResponse> Errors);

public static class ContactsApi
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;
    /// <summary>A JSON import is held in memory: larger lists go as CSV files, which are streamed.</summary>
    public const int MaxJsonContacts = 10_000;
    /// <summary>Rejected rows listed in the answer; the counts always cover all of them.</summary>
    public const int MaxErrorsListed = 1_000;

    private static readonly string[] Sorts = ["name_asc", "name_desc", "phone_asc", "phone_desc", "createdAt_asc", "createdAt_desc"];

    public static void MapContactsApi(this RouteGroupBuilder api)
    {
        var contacts = api.MapGroup("/contacts").RequireAuthorization(Permissions.ContactsManage);

        contacts.MapGet("", ListAsync)
            .WithName("ListContacts")
            .WithSummary("Lists contacts, searched by name or number, filtered by label and status, in pages of at most 100.")
            .DescribeQuery(
                ("search", "Part of the name or of the number.", false),
                ("label", "Only contacts with this label.", false),
                ("status", "active, opted-out, blocked or inactive.", false),
                ("sort", string.Join(", ", Sorts) + " (default name_asc).", false),
                ("page", "From 1 (default 1); a page past the end is empty.", true),
                ("pageSize", $"1 to {MaxPageSize} (default {DefaultPageSize}).", true))
            .Produces<ContactListResponse>()
            .ProducesValidationProblem();

        contacts.MapPost("", UpsertAsync)
            .WithName("UpsertContact")
            .WithSummary("Creates the contact with this phone number (201) or updates it (200).")
            .WithDescription("Fields left out keep their stored value; attributes and labels, when sent, replace the stored ones.")
            .DescribeBody<ContactUpsertRequest>("application/json")
            .Produces<ContactResponse>(StatusCodes.Status200OK)
            .Produces<ContactResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        var csvOptions = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<CsvOptions>>().Value;
        contacts.MapPost("/import", ImportAsync)
            .WithName("ImportContacts")
            .WithSummary("Imports many contacts at once, from JSON or a multipart CSV file, all or nothing.")
            .WithDescription(
                "Numbers are normalised to E.164 (defaultCountryCode for national numbers); within one request the first row of a " +
                "number wins and later ones count as duplicates; existing contacts keep their opt-out and block state, get a " +
                $"non-empty name, merged attributes and the labels. At most {MaxJsonContacts:N0} contacts per JSON request; " +
                $"CSV files up to the Csv:MaxFileSizeMb limit. At most {MaxErrorsListed:N0} errors are listed.")
            .DescribeBody<ContactImportRequest>("application/json")
            .DescribeBody<ContactCsvImportForm>("multipart/form-data")
            .Produces<ContactImportResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithMetadata(new RequestSizeLimitAttribute(CsvUploadRequest.BodyLimit(csvOptions)));
    }

    private static async Task<IResult> ListAsync(
        string? search, string? label, string? status, string? sort, string? page, string? pageSize, AppDbContext db, ContactQueries queries,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = ApiQuery.Integer(page, 1, 1, int.MaxValue, "page", "Use a page number of 1 or more.", errors);
        var size = ApiQuery.Integer(pageSize, DefaultPageSize, 1, MaxPageSize, "pageSize", $"Use a page size from 1 to {MaxPageSize}.", errors);
        var statusFilter = status?.Trim().ToLowerInvariant() switch
        {
            null or "" => ContactStatusFilter.All,
            "active" => ContactStatusFilter.Active,
            "opted-out" => ContactStatusFilter.OptedOut,
            "blocked" => ContactStatusFilter.Blocked,
            "inactive" => ContactStatusFilter.Inactive,
            _ => (ContactStatusFilter?)null,
        };
        if (statusFilter is null)
            errors["status"] = ["Use active, opted-out, blocked or inactive, or leave it out."];
        var sortValue = string.IsNullOrWhiteSpace(sort) ? "name_asc" : Sorts.FirstOrDefault(s => string.Equals(s, sort.Trim(), StringComparison.OrdinalIgnoreCase));
        if (sortValue is null)
            errors["sort"] = ["Use one of " + string.Join(", ", Sorts) + "."];
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);

        var query = new ContactListQuery
        {
            Search = (search ?? "").Trim(),
            Label = (label ?? "").Trim().ToLowerInvariant(),
            Status = statusFilter!.Value,
            Sort = sortValue!.Split('_')[0] switch { "phone" => ContactSort.Phone, "createdAt" => ContactSort.Created, _ => ContactSort.Name },
            Descending = sortValue.EndsWith("_desc", StringComparison.Ordinal),
            Page = pageNumber,
            PageSize = size,
        };
        var filtered = queries.Filter(query);
        var total = await filtered.CountAsync(ct);
        // Unlike the page, the API does not move a page past the end back to the last one: it answers an empty page.
        var ids = await ContactQueries.Sort(filtered, query)
            .Skip((int)Math.Min(int.MaxValue, ((long)pageNumber - 1) * size))
            .Take(size)
            .Select(c => c.Id)
            .ToListAsync(ct);
        var items = await LoadAsync(db, ids, ct);
        return TypedResults.Ok(new ContactListResponse(ids.Select(id => items[id]).ToList(), total, pageNumber, size));
    }

    private static async Task<IResult> UpsertAsync(HttpContext context, AppDbContext db, ContactAdministration administration, CancellationToken ct)
    {
        var body = await ApiJsonBody.ReadAsync<ContactUpsertRequest>(context.Request, optional: false, ct);
        if (body.Problem is not null)
            return body.Problem;
        var request = body.Value;

        var errors = new Dictionary<string, string[]>();
        if (request!.Attributes is { } attributes)
        {
            var attributeError = attributes
                .Select(a => a.Key.Trim().Length == 0 ? "An attribute needs a name."
                    : a.Key.Length > ContactAttributes.MaxKeyLength ? $"The attribute name \"{a.Key[..20]}…\" is longer than {ContactAttributes.MaxKeyLength} characters."
                    : a.Key.Contains('=') || a.Key.Contains('\n') ? $"The attribute name \"{a.Key}\" may not contain '=' or line breaks."
                    : a.Value is null ? $"The attribute \"{a.Key}\" needs a value (text)."
                    : a.Value.Contains('\n') ? $"The attribute \"{a.Key}\" may not contain line breaks."
                    : null)
                .FirstOrDefault(e => e is not null);
            if (attributeError is not null)
                errors["attributes"] = [attributeError];
        }
        if (request.Labels?.Any(l => l is null || l.Contains(',')) == true)
            errors["labels"] = ["Label names are text without commas."];
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);

        var actor = context.User.Identity?.Name ?? "API key";
        var phone = PhoneNumbers.Normalize(request.PhoneNumber, request.DefaultCountryCode);
        // Two attempts: a contact created by someone else between our look-up and our insert turns the create into an update.
        for (var attempt = 0; ; attempt++)
        {
            var existingId = phone.IsValid ? await db.Contacts.Where(c => c.Phone == phone.E164).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct) : null;
            ContactSaveResult saved;
            if (existingId is { } id)
            {
                var existing = await db.Contacts.AsNoTracking().Include(c => c.Labels).SingleAsync(c => c.Id == id, ct);
                saved = await administration.UpdateAsync(id, ToInput(request, existing), actor, ct);
            }
            else
            {
                saved = await administration.CreateAsync(ToInput(request, null), actor, ct);
            }
            db.ChangeTracker.Clear();
            if (saved.Succeeded)
            {
                var contact = (await LoadAsync(db, [saved.ContactId!.Value], ct))[saved.ContactId.Value];
                return existingId is null
                    ? TypedResults.Created($"{ApiSetup.Prefix}/contacts/{contact.Id}", contact)
                    : TypedResults.Ok(contact);
            }
            if (saved.ExistingContactId is not null && attempt == 0)
                continue;
            return saved.Result.FieldErrors.Count > 0
                ? ApiProblems.Validation(saved.Result.FieldErrors.ToDictionary(e => e.Key == nameof(ContactInput.Phone) ? "phoneNumber" : e.Key, e => e.Value))
                : ApiProblems.Conflict(saved.Result.Error ?? "The contact could not be saved.");
        }
    }

    private static ContactInput ToInput(ContactUpsertRequest request, Contact? existing) => new()
    {
        Phone = request.PhoneNumber,
        DefaultCountryCode = request.DefaultCountryCode,
        Name = request.Name ?? existing?.Name,
        Attributes = ContactAttributes.Format(request.Attributes ?? existing?.Attributes ?? []),
        Labels = string.Join(", ", request.Labels ?? existing?.Labels.Select(l => l.Name).ToList() ?? []),
        IsActive = request.IsActive ?? existing?.IsActive ?? true,
    };

    private static async Task<IResult> ImportAsync(
        HttpContext context, ContactImporter importer, IOptions<CsvOptions> csvOptions, CancellationToken ct)
    {
        var actor = context.User.Identity?.Name ?? "API key";
        if (context.Request.HasJsonContentType())
            return await ImportJsonAsync(context, importer, actor, ct);
        if (context.Request.HasFormContentType)
            return await ImportCsvAsync(context, importer, csvOptions.Value, actor, ct);
        return TypedResults.Problem(ApiProblems.Details(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            "Send application/json ({ \"contacts\": [...] }) or multipart/form-data with the CSV file in the field \"file\"."));
    }

    private static async Task<IResult> ImportJsonAsync(HttpContext context, ContactImporter importer, string actor, CancellationToken ct)
    {
        var body = await ApiJsonBody.ReadAsync<ContactImportRequest>(context.Request, optional: false, ct);
        if (body.Problem is not null)
            return body.Problem;
        var request = body.Value;
        var errors = CheckSettings(request!.DefaultCountryCode, request.Labels is null ? null : string.Join(',', request.Labels));
        if (request.Labels?.Any(l => l is null || l.Contains(',')) == true)
            errors["labels"] = ["Label names are text without commas."];
        if (request.Contacts is null || request.Contacts.Count == 0)
            errors["contacts"] = ["Send at least one contact: { \"contacts\": [ { \"phoneNumber\": \"+14155550100\", \"name\": \"Ann\" } ] }."];
        else if (request.Contacts.Count > MaxJsonContacts)
            errors["contacts"] = [$"Send at most {MaxJsonContacts:N0} contacts per request, or upload them as a CSV file."];
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);

        var rows = request.Contacts!.Select((item, index) => ToImportRow(index + 1, item));
        var settings = new ContactImportSettings(request.DefaultCountryCode, request.Labels is null ? null : string.Join(',', request.Labels),
            "API (JSON)", MaxErrorsListed);
        return TypedResults.Ok(ToResponse(await importer.ImportRowsAsync(rows, settings, actor, ct)));
    }

    /// <summary>One JSON item: phoneNumber and name are known; the rest become attributes.</summary>
    private static ContactImportRow ToImportRow(int row, Dictionary<string, JsonElement>? item)
    {
        if (item is null)
            return new ContactImportRow(row, null, "", new Dictionary<string, string>(), "The item is not an object with a phoneNumber.");
        string? phone = null;
        var name = "";
        var attributes = new Dictionary<string, string>();
        string? error = null;
        foreach (var (key, value) in item)
        {
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!.Trim(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                JsonValueKind.Null => null,
                _ => "",
            };
            if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                error ??= $"\"{key}\" must be text, a number or true/false.";
            else if (string.Equals(key, "phoneNumber", StringComparison.OrdinalIgnoreCase))
                phone = text;
            else if (string.Equals(key, "name", StringComparison.OrdinalIgnoreCase))
                name = text ?? "";
            else if (key.Length > ContactAttributes.MaxKeyLength)
                error ??= $"The field name \"{key[..20]}…\" is longer than {ContactAttributes.MaxKeyLength} characters.";
            else if (text?.Length > ContactAttributes.MaxValueLength)
                error ??= $"The value of \"{key}\" is longer than {ContactAttributes.MaxValueLength} characters.";
            else if (!string.IsNullOrEmpty(text))
                attributes[key] = text; // An empty value leaves the contact's existing one alone, as in a file.
        }
        return new ContactImportRow(row, phone, name, attributes, error);
    }

    private static async Task<IResult> ImportCsvAsync(HttpContext context, ContactImporter importer, CsvOptions options, string actor, CancellationToken ct)
    {
        var tooLarge = TypedResults.Problem(ApiProblems.Details(StatusCodes.Status413PayloadTooLarge, "Payload too large",
            $"The file is larger than the {options.MaxFileSizeMb} MB limit: split it into smaller files."));
        if (context.Request.ContentLength > CsvUploadRequest.BodyLimit(options))
            return tooLarge;
        // The form reader's own limit (128 MB by default) must not be below ours; files above 64 KB are buffered on disk.
        context.Features.Set<IFormFeature>(new FormFeature(context.Request, new FormOptions { MultipartBodyLengthLimit = CsvUploadRequest.BodyLimit(options) }));
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(ct);
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            return tooLarge;
        }

        var file = form.Files.GetFile("file");
        var defaultCountryCode = form["defaultCountryCode"].ToString();
        var labels = form["labels"].ToString();
        var errors = CheckSettings(defaultCountryCode, labels);
        if (file is null || file.Length == 0)
            errors["file"] = [file is null ? "Send the CSV file in the form field \"file\"." : "The file is empty: it needs a header row and one row per contact."];
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);

        try
        {
            await using var stream = file!.OpenReadStream();
            using var reader = await CsvReader.OpenAsync(stream, options.MaxFileBytes, ct: ct);
            var phoneColumn = form["phoneColumn"].ToString().Trim();
            // Named by the caller, or found by its name; never guessed by position, which would import the wrong column.
            var column = phoneColumn.Length > 0
                ? reader.Header.ToList().FindIndex(h => string.Equals(h.Trim(), phoneColumn, StringComparison.OrdinalIgnoreCase))
                : ContactImportMapping.FindPhoneColumn(reader.Header);
            if (column < 0)
            {
                return ApiProblems.Validation(phoneColumn.Length > 0 ? "phoneColumn" : "file", phoneColumn.Length > 0
                    ? $"The file has no column \"{phoneColumn}\". Its columns: {string.Join(", ", reader.Header)}."
                    : $"No phone column found among {string.Join(", ", reader.Header)}: name it phoneNumber, or send phoneColumn.");
            }
            var mapping = ContactImportMapping.Guess(reader.Header, defaultCountryCode, column);
            mapping.Labels = labels;
            var report = await importer.RunAsync(reader, mapping, TextWriter.Null, "API: " + Path.GetFileName(file.FileName), actor, MaxErrorsListed, ct);
            return TypedResults.Ok(ToResponse(report));
        }
        catch (CsvFileException ex)
        {
            return ApiProblems.Validation("file", ex.Message + " Nothing was imported.");
        }
    }

    private static Dictionary<string, string[]> CheckSettings(string? defaultCountryCode, string? labels)
    {
        var errors = new Dictionary<string, string[]>();
        if (!string.IsNullOrWhiteSpace(defaultCountryCode) && PhoneNumbers.NormalizeCountryCode(defaultCountryCode) is null)
            errors["defaultCountryCode"] = ["Use 1 to 3 digits, such as 44 or +91, or leave it out."];
        if (LabelNames.ParseList(labels).Error is { } labelError)
            errors["labels"] = [labelError];
        return errors;
    }

    private static ContactImportResponse ToResponse(ContactImportReport report) => new(
        report.Imported, report.Updated, report.Duplicates, report.Invalid,
        report.FirstProblems.Select(p => new ContactImportErrorResponse(p.RowNumber, p.PhoneNumber, p.Reason)).ToList());

    private static async Task<Dictionary<long, ContactResponse>> LoadAsync(AppDbContext db, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var rows = await db.Contacts.AsNoTracking()
            .Where(c => ids.Contains(c.Id))
            .Select(c => new
            {
                c.Id, c.Phone, c.Name, c.Attributes, c.IsOptedOut, c.OptedOutAt, c.IsBlocked, c.IsActive, c.CreatedAt, c.UpdatedAt,
                Labels = c.Labels.OrderBy(l => l.Name).Select(l => l.Name).ToList(),
            })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.Id, r => new ContactResponse(r.Id, r.Phone, r.Name, r.Attributes, r.Labels, r.IsOptedOut, r.OptedOutAt,
            r.IsBlocked, r.IsActive, r.CreatedAt, r.UpdatedAt));
    }
}
