using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WhatsAppDashboard.Features.Api;

/// <summary>
/// Query-string values read by hand, so a bad one gets a field error (<c>errors.pageSize</c>) instead of the framework's
/// bare binding failure, while the OpenAPI document still shows what the value is.
/// </summary>
public static class ApiQuery
{
    /// <summary>An optional whole number from <paramref name="min"/> to <paramref name="max"/>; the fallback when absent.</summary>
    public static int Integer(
        string? text, int fallback, int min, int max, string field, string message, IDictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        errors[field] = [message];
        return fallback;
    }

    /// <summary>An optional id: null when absent.</summary>
    public static int? Id(string? text, string field, IDictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var value = Integer(text, 0, 1, int.MaxValue, field, $"{field} is the number of an existing item, such as 1.", errors);
        return value > 0 ? value : null;
    }

    /// <summary>Describes query parameters in the document: a description each, and the integer type for those read as numbers.</summary>
    public static RouteHandlerBuilder DescribeQuery(this RouteHandlerBuilder endpoint, params (string Name, string Description, bool IsInteger)[] parameters) =>
        endpoint.AddOpenApiOperationTransformer((operation, context, ct) =>
        {
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                var (_, description, isInteger) = parameters.FirstOrDefault(p => p.Name == parameter.Name);
                if (description is null)
                    continue;
                parameter.Description = description;
                if (isInteger)
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" };
            }
            return Task.CompletedTask;
        });
}
