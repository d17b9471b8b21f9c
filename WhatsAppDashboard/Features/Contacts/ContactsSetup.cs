using System.ComponentModel.DataAnnotations;
using WhatsAppDashboard.Common;
using WhatsAppDashboard.Common.Csv;

namespace WhatsAppDashboard.Features.Contacts;

public sealed class ContactsOptions : IValidatableObject
{
    public const string Section = "Contacts";

    /// <summary>Pre-fills the default country code on the contact form and the import (for example "44");
    /// empty by default, because we never assume a country.</summary>
    public string? DefaultCountryCode { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(DefaultCountryCode) && PhoneNumbers.NormalizeCountryCode(DefaultCountryCode) is null)
            yield return new ValidationResult("Contacts:DefaultCountryCode must be 1 to 3 digits, such as 44.", [nameof(DefaultCountryCode)]);
    }
}

public static class ContactsSetup
{
    public static WebApplicationBuilder AddContacts(this WebApplicationBuilder builder)
    {
        builder.AddCsvFiles();
        builder.Services.AddOptions<ContactsOptions>().BindConfiguration(ContactsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<ContactQueries>();
        builder.Services.AddScoped<ContactAdministration>();
        builder.Services.AddScoped<LabelAdministration>();
        builder.Services.AddScoped<ContactImporter>();
        builder.Services.AddScoped<ContactExporter>();
        return builder;
    }

    public static WebApplication MapContacts(this WebApplication app)
    {
        app.MapContactEndpoints();
        return app;
    }
}
