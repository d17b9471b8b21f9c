using Microsoft.AspNetCore.Mvc;
using WhatsAppDashboard.Common;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// The one way the API says what went wrong: RFC 7807 problem details, validation errors with an
/// <c>errors</c> object keyed by camelCase field name.
/// </summary>
public static class ApiProblems
{
    public static ProblemDetails Details(int status, string title, string detail) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Type = $"https://httpstatuses.io/{status}",
    };

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>The request is fine but the resource's state forbids it (e.g. editing a running campaign).</summary>
    public static IResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, "Conflict", detail);

    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(
            errors.ToDictionary(e => CamelCase(e.Key), e => e.Value),
            detail: detail ?? "One or more fields are not valid.",
            title: "The request is not valid.");

    public static IResult Validation(string field, string error) =>
        Validation(new Dictionary<string, string[]> { [field] = [error] });

    /// <summary>A failed <see cref="OperationResult"/>: field errors become 400 validation problems, the rest 409.</summary>
    public static IResult From(OperationResult result) =>
        result.FieldErrors.Count > 0 ? Validation(result.FieldErrors, result.Error) : Conflict(result.Error ?? "The request could not be completed.");

    private static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(Details(status, title, detail));

    /// <summary>"DefaultCountryCode" → "defaultCountryCode"; dotted paths ("Audience.Labels") per segment.</summary>
    public static string CamelCase(string field) =>
        string.Join('.', field.Split('.').Select(part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));
}
