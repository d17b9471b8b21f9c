using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using WhatsAppDashboard.Common.Csv;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Insights;
using WhatsAppDashboard.Features.Dispatch;

namespace WhatsAppDashboard.Features.Api.Campaigns;

public sealed class RecipientImportOptions
{
    public const string Section = "Api:RecipientImport";

    /// <summary>Most people one import request may carry (JSON or CSV); its bytes are limited by <c>Csv:MaxFileSizeMb</c>.</summary>
    public int MaxRecipients { get; set; } = 100_000;
}

/// <summary>
/// <c>/api/v1/campaigns</c>: the campaign list, one campaign, create/replace/delete, the recipients import, the
/// lifecycle actions and the results. Every rule is the pages' own (the services below are the ones the wizard, the
/// campaign page and its buttons use); this file only translates between them and JSON.
/// </summary>
public static class CampaignsApi
{
    public const string FileField = "file";

    public static IServiceCollection AddCampaignsApi(this IServiceCollection services)
    {
        services.AddScoped<CampaignApiWriter>();
        services.AddOptions<RecipientImportOptions>().BindConfiguration(RecipientImportOptions.Section);
        return services;
    }

    public static void MapCampaignsApi(this RouteGroupBuilder api)
    {
        var csvOptions = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<CsvOptions>>().Value;
        var campaigns = api.MapGroup("/campaigns").WithTags("Campaigns");

        campaigns.MapGet("", ListAsync).RequireAuthorization(Permissions.CampaignsView)
            .WithName("ListCampaigns").WithSummary("Lists campaigns: filter by status, account and name, sort, and page.")
            .Produces<PagedResponse<CampaignListItem>>().ProducesValidationProblem().WithReadProblems();
        campaigns.MapGet("/status-counts", StatusCountsAsync).RequireAuthorization(Permissions.CampaignsView)
            .WithName("CampaignStatusCounts").WithSummary("Counts campaigns in each status (optionally for one account or name search).")
            .Produces<StatusCountsResponse>().ProducesValidationProblem().WithReadProblems();
        campaigns.MapGet("/{id:int}", GetAsync).RequireAuthorization(Permissions.CampaignsView)
            .WithName("GetCampaign").WithSummary("One campaign with its audience, mappings, schedule and counters.")
            .Produces<CampaignResponse>().ProducesProblem(StatusCodes.Status404NotFound).WithReadProblems();

        campaigns.MapPost("", CreateAsync).RequireAuthorization(Permissions.CampaignsCreate)
            .WithName("CreateCampaign").WithSummary("Creates a draft campaign, checked by the wizard's rules.")
            .WithRequestBody<CampaignRequest>("application/json")
            .Produces<CampaignResponse>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).WithReadProblems();
        campaigns.MapPut("/{id:int}", UpdateAsync).RequireAuthorization(Permissions.CampaignsEdit)
            .WithName("UpdateCampaign").WithSummary("Replaces a draft or scheduled campaign's settings.")
            .WithRequestBody<CampaignRequest>("application/json")
            .Produces<CampaignResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).WithReadProblems();
        campaigns.MapDelete("/{id:int}", DeleteAsync).RequireAuthorization(Permissions.CampaignsDelete)
            .WithName("DeleteCampaign").WithSummary("Deletes a campaign that is not running.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).WithReadProblems();

        campaigns.MapPost("/{id:int}/recipients/import", ImportAsync).RequireAuthorization(Permissions.CampaignsCreate)
            .WithName("ImportCampaignRecipients")
            .WithSummary("Adds recipients to a list audience, from JSON or a multipart CSV file (field \"file\"); duplicates are skipped.")
            .WithRequestBody<RecipientImportRequest>("application/json", "multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(CsvUploadRequest.BodyLimit(csvOptions)))
            .Produces<RecipientImportResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).WithReadProblems();
        campaigns.MapGet("/{id:int}/recipients", RecipientsAsync).RequireAuthorization(Permissions.CampaignsView)
            .WithName("ListCampaignRecipients").WithSummary("The campaign's recipients and what happened to each, paged; filter by status or search.")
            .Produces<PagedResponse<RecipientResponse>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).WithReadProblems();
        campaigns.MapGet("/{id:int}/button-clicks", ButtonClicksAsync).RequireAuthorization(Permissions.CampaignsView)
            .WithName("CampaignButtonClicks").WithSummary("How many recipients pressed each quick-reply button.")
            .Produces<List<ButtonClickResponse>>().ProducesProblem(StatusCodes.Status404NotFound).WithReadProblems();

        MapAction(campaigns, "start", "StartCampaign", "Sends a campaign set to send now (draft or scheduled) at once.", StartAsync);
        MapAction(campaigns, "quick-run", "QuickRunCampaign", "Sends a draft at once, whatever its saved schedule.", QuickRunAsync);
        MapAction(campaigns, "schedule", "ScheduleCampaign", "Schedules a campaign, at { scheduledAt, timeZone } or by its saved schedule.", ScheduleAsync)
            .WithRequestBody<ScheduleRequest>("application/json", isOptional: true).ProducesValidationProblem();
        MapAction(campaigns, "pause", "PauseCampaign", "Pauses a running campaign.",
            (id, context, ct) => ControlAsync(id, context, (control, actor) => control.PauseAsync(id, actor, ct), ct));
        MapAction(campaigns, "resume", "ResumeCampaign", "Resumes a paused campaign.",
            (id, context, ct) => ControlAsync(id, context, (control, actor) => control.ResumeAsync(id, actor, ct), ct));
        MapAction(campaigns, "cancel", "CancelCampaign", "Cancels a campaign for good; recipients not yet sent are skipped.",
            (id, context, ct) => ControlAsync(id, context, (control, actor) => control.CancelAsync(id, actor, ct), ct));
        MapAction(campaigns, "retry", "RetryCampaign", "Sends the failed (scope \"failed\", default) or unknown (\"unknown\") recipients again.", RetryAsync)
            .WithRequestBody<RetryRequest>("application/json", isOptional: true).ProducesValidationProblem();
    }

    private static RouteHandlerBuilder MapAction(
        RouteGroupBuilder campaigns, string action, string name, string summary, Func<int, HttpContext, CancellationToken, Task<IResult>> handler) =>
        campaigns.MapPost($"/{{id:int}}/{action}", (int id, HttpContext context, CancellationToken ct) => handler(id, context, ct))
            .RequireAuthorization(Permissions.CampaignsExecute)
            .WithName(name).WithSummary(summary)
            .Produces<CampaignResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).WithReadProblems();

    /// <summary>
    /// Describes the body for the API's documentation only. Not <c>Accepts</c>: its metadata also takes part in routing,
    /// and a request with another (or no) content type would then miss the endpoint and reach the API's 404 fallback
    /// instead of getting the handler's own 415 or reading an optional body as absent.
    /// </summary>
    private static RouteHandlerBuilder WithRequestBody<T>(this RouteHandlerBuilder endpoint, string contentType, string? otherContentType = null, bool isOptional = false) =>
        endpoint.WithMetadata(new ApiRequestBodyMetadata(typeof(T), otherContentType is null ? [contentType] : [contentType, otherContentType], isOptional));

    /// <summary>What any endpoint of the API may answer: no or a bad key, a key without the permission, too many requests.</summary>
    private static RouteHandlerBuilder WithReadProblems(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    // ---- Reading -------------------------------------------------------------------------------------------------

    private static readonly IReadOnlyDictionary<string, (CampaignSort Sort, bool Descending)> Sorts = new Dictionary<string, (CampaignSort, bool)>
    {
        ["createdAt_asc"] = (CampaignSort.Created, false),
        ["createdAt_desc"] = (CampaignSort.Created, true),
        ["name_asc"] = (CampaignSort.Name, false),
        ["name_desc"] = (CampaignSort.Name, true),
        ["status_asc"] = (CampaignSort.Status, false),
        ["status_desc"] = (CampaignSort.Status, true),
        ["scheduledAt_asc"] = (CampaignSort.Scheduled, false),
        ["scheduledAt_desc"] = (CampaignSort.Scheduled, true),
    };

    private static async Task<IResult> ListAsync(
        string? page, string? pageSize, string? status, string? accountId, string? search, string? sort, CampaignQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = ParsePage(page, errors);
        var size = ParsePageSize(pageSize, errors);
        var statusFilter = ParseCampaignStatus(status, errors);
        var account = ParseAccountId(accountId, errors);
        var order = (CampaignSort.Created, true);
        if (!string.IsNullOrWhiteSpace(sort) && !Sorts.TryGetValue(sort.Trim(), out order))
            errors["sort"] = [$"“{sort.Trim()}” is not a sort order: use one of {string.Join(", ", Sorts.Keys)}."];
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);

        var query = new CampaignListQuery
        {
            Status = statusFilter,
            Search = (search ?? "").Trim(),
            AccountId = account,
            Sort = order.Item1,
            Descending = order.Item2,
            Page = pageNumber,
            PageSize = size,
        };
        var result = await queries.ListAsync(query, ct);
        // The page list moves a page past the end back to the last one; the API answers the page asked for.
        var items = result.Query.Page == pageNumber ? result.Rows.Select(CampaignApiMapper.ToListItem).ToList() : [];
        return TypedResults.Ok(new PagedResponse<CampaignListItem>(items, result.TotalCount, pageNumber, size));
    }

    private static async Task<IResult> StatusCountsAsync(string? accountId, string? search, CampaignQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var account = ParseAccountId(accountId, errors);
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);
        var counts = await queries.CountByStatusAsync(new CampaignListQuery { AccountId = account, Search = (search ?? "").Trim() }, ct);
        int Of(CampaignStatus s) => counts.GetValueOrDefault(s);
        return TypedResults.Ok(new StatusCountsResponse(
            Of(CampaignStatus.Draft), Of(CampaignStatus.Scheduled), Of(CampaignStatus.Running), Of(CampaignStatus.Paused),
            Of(CampaignStatus.Completed), Of(CampaignStatus.Failed), Of(CampaignStatus.Cancelled), counts.Values.Sum()));
    }

    private static async Task<IResult> GetAsync(int id, CampaignQueries queries, CancellationToken ct) =>
        await CampaignOrNotFoundAsync(id, queries, StatusCodes.Status200OK, ct);

    private static async Task<IResult> RecipientsAsync(
        int id, string? page, string? pageSize, string? status, string? search, CampaignInsights insights, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = ParsePage(page, errors);
        var size = ParsePageSize(pageSize, errors, RecipientQuery.DefaultPageSize);
        RecipientStatus? statusFilter = null;
        if (!string.IsNullOrWhiteSpace(status) && (statusFilter = RecipientQuery.ParseStatus(status)) is null)
            errors["status"] = [$"“{status.Trim()}” is not a recipient status: use one of {string.Join(", ", Enum.GetValues<RecipientStatus>().Select(RecipientQuery.StatusValue))}."];
        if (errors.Count > 0)
            return ApiProblems.Validation(errors);

        var result = await insights.GetRecipientsAsync(id, new RecipientQuery { Search = search, Status = statusFilter, Page = pageNumber, PageSize = size }, ct);
        if (result is null)
            return CampaignNotFound();
        var items = result.Query.Page == pageNumber ? result.Rows.Select(CampaignApiMapper.ToResponse).ToList() : [];
        return TypedResults.Ok(new PagedResponse<RecipientResponse>(items, result.Total, pageNumber, size));
    }

    private static async Task<IResult> ButtonClicksAsync(int id, CampaignQueries queries, CampaignInsights insights, CancellationToken ct)
    {
        if (await queries.NameOfAsync(id, ct) is null)
            return CampaignNotFound();
        var clicks = await insights.GetButtonClicksAsync(id, ct);
        return TypedResults.Ok(clicks.Select(c => new ButtonClickResponse(c.Button, c.Payload, c.Count)).ToList());
    }

    // ---- Writing -------------------------------------------------------------------------------------------------

    private static async Task<IResult> CreateAsync(HttpContext context, CampaignApiWriter writer, CampaignQueries queries, CancellationToken ct)
    {
        var body = await ApiJsonBody.ReadAsync<CampaignRequest>(context.Request, optional: false, ct);
        if (body.Problem is not null)
            return body.Problem;
        var written = await writer.CreateAsync(body.Value!, context.User, ct);
        if (written.Errors is not null)
            return ApiProblems.Validation(written.Errors);
        return await CampaignOrNotFoundAsync(written.Id!.Value, queries, StatusCodes.Status201Created, ct);
    }

    private static async Task<IResult> UpdateAsync(int id, HttpContext context, CampaignApiWriter writer, CampaignQueries queries, CancellationToken ct)
    {
        var body = await ApiJsonBody.ReadAsync<CampaignRequest>(context.Request, optional: false, ct);
        if (body.Problem is not null)
            return body.Problem;
        var written = await writer.UpdateAsync(id, body.Value!, context.User, ct);
        if (written.NotFound)
            return CampaignNotFound();
        if (written.Conflict is not null)
            return ApiProblems.Conflict(written.Conflict);
        if (written.Errors is not null)
            return ApiProblems.Validation(written.Errors);
        return await CampaignOrNotFoundAsync(id, queries, StatusCodes.Status200OK, ct);
    }

    private static async Task<IResult> DeleteAsync(int id, HttpContext context, CampaignQueries queries, CampaignLifecycle lifecycle, CancellationToken ct)
    {
        if (await queries.NameOfAsync(id, ct) is null)
            return CampaignNotFound();
        var deleted = await lifecycle.DeleteAsync(id, Actor(context), ct);
        if (deleted.Succeeded)
            return TypedResults.NoContent();
        return await queries.NameOfAsync(id, ct) is null ? CampaignNotFound() : ApiProblems.Conflict(deleted.Error!);
    }

    private static async Task<IResult> ImportAsync(
        int id, HttpContext context, ListAudienceImport import, IOptions<CsvOptions> csvOptions, IOptions<RecipientImportOptions> importOptions,
        CancellationToken ct)
    {
        var request = context.Request;
        var maxBytes = csvOptions.Value.MaxFileBytes;
        var maxPeople = Math.Max(1, importOptions.Value.MaxRecipients);
        var tooLarge = $"The import is larger than {csvOptions.Value.MaxFileSizeMb} MB: split it into smaller requests.";
        if (request.ContentLength > CsvUploadRequest.BodyLimit(csvOptions.Value))
            return ApiJsonBody.TooLarge(tooLarge);

        IAsyncEnumerable<ImportedPerson> people;
        CsvReader? csv = null;
        try
        {
            if (request.HasFormContentType)
            {
                context.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = CsvUploadRequest.BodyLimit(csvOptions.Value) }));
                var form = await request.ReadFormAsync(ct);
                if (form.Files.GetFile(FileField) is not { Length: > 0 } file)
                    return ApiProblems.Validation(FileField, "Send the CSV file in the form field \"file\" (a header row, then one row per recipient).");
                csv = await CsvReader.OpenAsync(file.OpenReadStream(), maxBytes, ct: ct);
                var columns = CsvColumns(csv.Header, form["phoneColumn"], form["nameColumn"], out var columnError);
                if (columns is null)
                    return ApiProblems.Validation(columnError!.Value.Field, columnError.Value.Message);
                people = CsvPeopleAsync(csv, columns.Value.Phone, columns.Value.Name, ct);
            }
            else
            {
                var body = await ApiJsonBody.ReadAsync<RecipientImportRequest>(request, optional: false, ct);
                if (body.Problem is not null)
                    return body.Problem;
                if (body.Value!.Recipients is not { } recipients)
                    return ApiProblems.Validation("recipients", "Send { \"recipients\": [ { \"phoneNumber\": \"+14155550100\", \"name\": \"Ann\" } ] }.");
                if (recipients.Count > maxPeople)
                    return ApiProblems.Validation("recipients",
                        $"At most {maxPeople.ToString("N0", CultureInfo.InvariantCulture)} recipients can be imported at once; this request has {recipients.Count.ToString("N0", CultureInfo.InvariantCulture)}. Split it.");
                people = JsonPeople(recipients).ToAsyncEnumerable();
            }

            var outcome = await import.AppendAsync(id, people, maxPeople, Actor(context), ct);
            return outcome.Refusal switch
            {
                ListImportRefusal.None => TypedResults.Ok(new RecipientImportResponse(outcome.Report!.Imported, outcome.Report.Duplicates, outcome.Report.Invalid,
                    outcome.Report.Errors.Select(e => new RecipientImportError(e.Row, e.PhoneNumber, e.Reason)).ToList())),
                ListImportRefusal.NotFound => CampaignNotFound(),
                ListImportRefusal.WrongState => ApiProblems.Conflict(outcome.Message!),
                _ => ApiProblems.Validation("recipients", outcome.Message!),
            };
        }
        catch (CsvFileException ex)
        {
            return ApiProblems.Validation(FileField, ex.Message + " Nothing was imported.");
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            return ApiJsonBody.TooLarge(tooLarge);
        }
        finally
        {
            csv?.Dispose();
        }
    }

    /// <summary>JSON people: <c>phoneNumber</c> (text or a number), <c>name</c>, and every property as a field for the mappings.</summary>
    private static IEnumerable<ImportedPerson> JsonPeople(List<Dictionary<string, JsonElement>> recipients)
    {
        for (var i = 0; i < recipients.Count; i++)
        {
            var row = i + 1;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            string? problem = null;
            foreach (var (key, value) in recipients[i] ?? [])
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.String: fields[key] = value.GetString()!; break;
                    case JsonValueKind.Null: fields[key] = ""; break;
                    case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False: fields[key] = value.GetRawText(); break;
                    default: problem ??= $"The field “{key}” must be text, a number or true/false."; break;
                }
            }
            var phone = ValueOf(fields, "phoneNumber");
            if (problem is null && string.IsNullOrWhiteSpace(phone))
                problem = "No phoneNumber: every recipient needs one.";
            yield return new ImportedPerson(row, phone, ValueOf(fields, "name"), fields, problem);
        }

        // Integrators write "PhoneNumber" as often as "phoneNumber".
        static string ValueOf(Dictionary<string, string> fields, string key) =>
            fields.FirstOrDefault(f => string.Equals(f.Key, key, StringComparison.OrdinalIgnoreCase)).Value ?? "";
    }

    /// <summary>The phone and name columns: as named in the form, else guessed from the header (<c>phoneNumber</c>, <c>phone</c>, <c>mobile</c>…).</summary>
    private static (int Phone, int Name)? CsvColumns(
        IReadOnlyList<string> header, string? phoneColumn, string? nameColumn, out (string Field, string Message)? error)
    {
        error = null;
        var guess = CsvColumnChoice.Guess(header, null);
        var choice = new CsvColumnChoice(
            string.IsNullOrWhiteSpace(phoneColumn) ? guess.PhoneColumn : phoneColumn.Trim(),
            string.IsNullOrWhiteSpace(nameColumn) ? guess.NameColumn : nameColumn.Trim(), null);
        if (choice.PhoneColumn is null)
        {
            error = ("phoneColumn", $"No column of the file holds phone numbers by its name ({string.Join(", ", header)}): name it phoneNumber, or send the form field phoneColumn.");
            return null;
        }
        var checkedChoice = CsvAudienceImport.Validate(header, choice);
        if (!checkedChoice.Succeeded)
        {
            var (field, messages) = checkedChoice.FieldErrors.First();
            error = (field, messages[0]);
            return null;
        }
        var list = header.ToList();
        return (list.IndexOf(choice.PhoneColumn), choice.NameColumn is null ? -1 : list.IndexOf(choice.NameColumn));
    }

    private static async IAsyncEnumerable<ImportedPerson> CsvPeopleAsync(
        CsvReader csv, int phoneIndex, int nameIndex, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var header = csv.Header;
        await foreach (var row in csv.ReadRowsAsync(ct))
        {
            var fields = new Dictionary<string, string>(header.Count, StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
                fields[header[i]] = CsvWriter.Restore(row[i].Trim());
            var phone = CsvWriter.Restore(row[phoneIndex]);
            var name = nameIndex >= 0 ? fields[header[nameIndex]] : "";
            yield return new ImportedPerson(row.RowNumber, phone, name, fields, row.Error);
        }
    }

    // ---- Lifecycle -----------------------------------------------------------------------------------------------

    private static async Task<IResult> StartAsync(int id, HttpContext context, CancellationToken ct)
    {
        var services = context.RequestServices;
        var queries = services.GetRequiredService<CampaignQueries>();
        var campaign = await queries.FindAsync(id, ct);
        if (campaign is null)
            return CampaignNotFound();
        if (campaign.ScheduleKind != ScheduleKind.Now && campaign.Status is CampaignStatus.Draft or CampaignStatus.Scheduled)
            return ApiProblems.Conflict("This campaign has a schedule: POST …/schedule to send it then, or …/quick-run to send it now.");
        if (await NobodyImportedAsync(campaign, queries, ct) is { } empty)
            return ApiProblems.Conflict(empty);
        var started = await services.GetRequiredService<CampaignLifecycle>().RunNowAsync(id, Actor(context), ct);
        return started.Succeeded ? await AcceptedAsync(id, queries, ct) : ApiProblems.Conflict(started.Error!);
    }

    private static async Task<IResult> QuickRunAsync(int id, HttpContext context, CancellationToken ct)
    {
        var services = context.RequestServices;
        var queries = services.GetRequiredService<CampaignQueries>();
        var lookup = await services.GetRequiredService<CampaignDrafts>().LoadForEditAsync(id, ct);
        if (lookup.NotFound)
            return CampaignNotFound();
        if (lookup.Campaign is not { Status: CampaignStatus.Draft } campaign)
            return ApiProblems.Conflict(lookup.Campaign is null
                ? lookup.Refusal!
                : $"Only a draft can be quick-run; this campaign is {lookup.Campaign.Status.Describe()}: POST …/start to send it now.");
        // Refused before the schedule is touched, so a refusal changes nothing.
        if (CampaignReadiness.Problems(campaign) is [var problem, ..])
            return ApiProblems.Conflict(problem);
        if (await NobodyImportedAsync(campaign, queries, ct) is { } empty)
            return ApiProblems.Conflict(empty);
        if (campaign.ScheduleKind != ScheduleKind.Now)
        {
            var now = await services.GetRequiredService<CampaignScheduling>().SaveAsync(
                campaign, new ScheduleInput { Kind = nameof(ScheduleKind.Now), TimeZoneId = campaign.TimeZoneId }, Actor(context), ct);
            if (!now.Succeeded)
                return ApiProblems.Conflict(now.Errors.Values.First()[0]);
        }
        var started = await services.GetRequiredService<CampaignLifecycle>().RunNowAsync(id, Actor(context), ct);
        return started.Succeeded ? await AcceptedAsync(id, queries, ct) : ApiProblems.Conflict(started.Error!);
    }

    private static async Task<IResult> ScheduleAsync(int id, HttpContext context, CancellationToken ct)
    {
        var services = context.RequestServices;
        var queries = services.GetRequiredService<CampaignQueries>();
        var body = await ApiJsonBody.ReadAsync<ScheduleRequest>(context.Request, optional: true, ct);
        if (body.Problem is not null)
            return body.Problem;

        var lookup = await services.GetRequiredService<CampaignDrafts>().LoadForEditAsync(id, ct);
        if (lookup.NotFound)
            return CampaignNotFound();
        if (lookup.Campaign is not { } campaign)
            return ApiProblems.Conflict(lookup.Refusal!);
        if (CampaignReadiness.Problems(campaign) is [var problem, ..])
            return ApiProblems.Conflict(problem);
        if (await NobodyImportedAsync(campaign, queries, ct) is { } empty)
            return ApiProblems.Conflict(empty);

        if (!string.IsNullOrWhiteSpace(body.Value?.ScheduledAt))
        {
            var zone = string.IsNullOrWhiteSpace(body.Value.TimeZone) ? campaign.TimeZoneId : body.Value.TimeZone;
            if (CampaignApiWriter.LocalDateAndTime(body.Value.ScheduledAt, zone, out var error) is not { } local)
                return ApiProblems.Validation("scheduledAt", error!);
            var input = new ScheduleInput { Kind = nameof(ScheduleKind.Once), TimeZoneId = zone, OnceDate = local.Date, OnceTime = local.Time };
            var saved = await services.GetRequiredService<CampaignScheduling>().SaveAsync(campaign, input, Actor(context), ct);
            if (!saved.Succeeded)
                return ApiProblems.Validation(saved.Errors.ToDictionary(e => CampaignApiWriter.ScheduleField(e.Key), e => e.Value));
        }
        else if (!string.IsNullOrWhiteSpace(body.Value?.TimeZone))
            return ApiProblems.Validation("scheduledAt", "Give the time to send at with its time zone, or neither to use the campaign's saved schedule.");
        else if (campaign.ScheduleKind == ScheduleKind.Now)
            return ApiProblems.Validation("scheduledAt", "This campaign has no schedule: give scheduledAt (and timeZone), or POST …/start to send it now.");

        var scheduled = await services.GetRequiredService<CampaignLifecycle>().ScheduleAsync(id, Actor(context), ct);
        return scheduled.Succeeded ? await AcceptedAsync(id, queries, ct) : ApiProblems.Conflict(scheduled.Error!);
    }

    private static async Task<IResult> RetryAsync(int id, HttpContext context, CancellationToken ct)
    {
        var body = await ApiJsonBody.ReadAsync<RetryRequest>(context.Request, optional: true, ct);
        if (body.Problem is not null)
            return body.Problem;
        var scope = (body.Value?.Scope ?? "failed").Trim().ToLowerInvariant();
        if (scope is not ("failed" or "unknown"))
            return ApiProblems.Validation("scope", "Use \"failed\" (recipients whose message failed) or \"unknown\" (recipients whose outcome is unknown).");
        return await ControlAsync(id, context, (control, actor) => scope == "failed"
            ? control.RetryFailedAsync(id, actor, ct)
            : control.RetryUnknownAsync(id, actor, ct), ct);
    }

    private static async Task<IResult> ControlAsync(
        int id, HttpContext context, Func<CampaignControl, string, Task<CampaignActionResult>> action, CancellationToken ct)
    {
        var services = context.RequestServices;
        var result = await action(services.GetRequiredService<CampaignControl>(), Actor(context));
        if (result.NotFound)
            return CampaignNotFound();
        return result.Succeeded ? await AcceptedAsync(id, services.GetRequiredService<CampaignQueries>(), ct) : ApiProblems.Conflict(result.Message);
    }

    /// <summary>A list audience nobody has been imported into would fail the run at once; refused instead, with what to do.</summary>
    private static async Task<string?> NobodyImportedAsync(Campaign campaign, CampaignQueries queries, CancellationToken ct) =>
        campaign.AudienceKind == AudienceKind.List && (await queries.AudienceRowCountsAsync(campaign.Id, ct)).Rows == 0
            ? "The campaign's list has nobody in it yet: POST its recipients to …/recipients/import first."
            : null;

    // ---- Shared --------------------------------------------------------------------------------------------------

    private static Task<IResult> AcceptedAsync(int id, CampaignQueries queries, CancellationToken ct) =>
        CampaignOrNotFoundAsync(id, queries, StatusCodes.Status202Accepted, ct);

    private static async Task<IResult> CampaignOrNotFoundAsync(int id, CampaignQueries queries, int status, CancellationToken ct)
    {
        var campaign = await queries.FindAsync(id, ct);
        if (campaign is null)
            return CampaignNotFound();
        var rows = campaign.AudienceKind is AudienceKind.List or AudienceKind.Csv ? (await queries.AudienceRowCountsAsync(id, ct)).Rows : 0;
        var response = CampaignApiMapper.ToResponse(campaign, rows);
        return status switch
        {
            StatusCodes.Status201Created => TypedResults.Created($"{ApiSetup.Prefix}/campaigns/{id}", response),
            StatusCodes.Status202Accepted => TypedResults.Accepted($"{ApiSetup.Prefix}/campaigns/{id}", response),
            _ => TypedResults.Ok(response),
        };
    }

    private static IResult CampaignNotFound() => ApiProblems.NotFound("There is no campaign with this id.");

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";

    private static int ParsePage(string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
            return 1;
        if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page >= 1)
            return page;
        errors["page"] = [$"“{value.Trim()}” is not a page: pages are numbered from 1."];
        return 1;
    }

    private static int ParsePageSize(string? value, Dictionary<string, string[]> errors, int fallback = CampaignListQuery.DefaultPageSize)
    {
        if (string.IsNullOrWhiteSpace(value))
            return fallback;
        if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= RecipientQuery.MaxPageSize)
            return size;
        errors["pageSize"] = [$"“{value.Trim()}” is not a page size: use 1 to {RecipientQuery.MaxPageSize}."];
        return fallback;
    }

    private static CampaignStatus? ParseCampaignStatus(string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        if (Enum.TryParse<CampaignStatus>(value.Trim(), ignoreCase: true, out var status) && Enum.IsDefined(status) && !int.TryParse(value, out _))
            return status;
        errors["status"] = [$"“{value.Trim()}” is not a campaign status: use one of {string.Join(", ", Enum.GetValues<CampaignStatus>().Select(s => s.Describe()))}."];
        return null;
    }

    private static int? ParseAccountId(string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            return id;
        errors["accountId"] = [$"“{value.Trim()}” is not an account id."];
        return null;
    }
}
