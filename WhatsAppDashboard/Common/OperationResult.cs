namespace WhatsAppDashboard.Common;

/// <summary>
/// The outcome of a user action: success, or a message for the user, optionally tied to form fields.
/// Pages show it next to the fields; the API turns it into problem details.
/// </summary>
public sealed record OperationResult
{
    public bool Succeeded { get; private init; }
    public string? Error { get; private init; }
    public IReadOnlyDictionary<string, string[]> FieldErrors { get; private init; } = new Dictionary<string, string[]>();

    public static OperationResult Success { get; } = new() { Succeeded = true };

    public static OperationResult Fail(string error) => new() { Error = error };

    public static OperationResult FailField(string field, string error) => new()
    {
        Error = error,
        FieldErrors = new Dictionary<string, string[]> { [field] = [error] },
    };

    public static OperationResult FailFields(IReadOnlyDictionary<string, string[]> fieldErrors) => new()
    {
        Error = fieldErrors.SelectMany(f => f.Value).FirstOrDefault() ?? "The request is not valid.",
        FieldErrors = fieldErrors,
    };
}
