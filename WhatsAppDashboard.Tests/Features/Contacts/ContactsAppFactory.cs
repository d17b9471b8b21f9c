using System.Net.Http.Headers;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>
/// The app for contacts tests: uploads go to a folder of its own (deleted afterwards), and the clock runs three
/// days ahead of the wall clock, so tests can tell that times come from the app's <see cref="TimeProvider"/>.
/// </summary>
public class ContactsAppFactory : AppFactory
{
    public static readonly TimeSpan ClockShift = TimeSpan.FromDays(3);

    public string UploadDirectory { get; } = Path.Combine(Path.GetTempPath(), "wad-test-uploads-" + Guid.NewGuid().ToString("N")[..12]);

    protected virtual int MaxFileSizeMb => 50;

    /// <summary>How far the app's clock runs ahead. Tests that upload several files at once use none: every upload
    /// first deletes expired uploads by their file time, so with a shifted clock it would delete the others' new files.</summary>
    protected virtual TimeSpan Shift => ClockShift;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Csv:UploadDirectory"] = UploadDirectory,
        ["Csv:MaxFileSizeMb"] = MaxFileSizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(new ShiftedClock(Shift)));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(UploadDirectory))
            Directory.Delete(UploadDirectory, recursive: true);
    }

    public async Task<T> WithDbAsync<T>(Func<AppDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>Arranges a contact directly in the database.</summary>
    public Task<long> AddContactAsync(
        string phone, string name = "", string[]? labels = null, bool optedOut = false, bool blocked = false, bool active = true,
        Dictionary<string, string>? attributes = null, DateTimeOffset? createdAt = null) =>
        WithDbAsync(async db =>
        {
            var labelEntities = new List<Label>();
            foreach (var labelName in labels ?? [])
                labelEntities.Add(await db.Labels.FirstOrDefaultAsync(l => l.Name == labelName) ?? new Label { Name = labelName });
            var at = createdAt ?? DateTimeOffset.UtcNow;
            var contact = new Contact
            {
                Phone = phone, Name = name, Labels = labelEntities, IsOptedOut = optedOut, OptedOutAt = optedOut ? at : null,
                IsBlocked = blocked, IsActive = active, Attributes = attributes ?? [], CreatedAt = at, UpdatedAt = at,
            };
            db.Contacts.Add(contact);
            await db.SaveChangesAsync();
            return contact.Id;
        });

    public Task<Contact?> FindContactAsync(string phone) =>
        WithDbAsync(db => db.Contacts.AsNoTracking().Include(c => c.Labels).FirstOrDefaultAsync(c => c.Phone == phone));

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}

/// <summary>Driving the contacts pages the way a browser does.</summary>
public static class ContactPages
{
    /// <summary>Step 1 of the import: the upload form, posted as multipart/form-data with its antiforgery token.</summary>
    public static async Task<HttpResponseMessage> UploadCsvAsync(this HttpClient client, byte[] content, string fileName = "contacts.csv")
    {
        var page = await client.GetPageAsync("/contacts/import");
        var form = (IHtmlFormElement)page.QuerySelector("[data-testid=upload-form]")!;
        var token = form.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
        var body = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
        };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        body.Add(file, ContactEndpoints.UploadField, fileName);
        return await client.PostAsync(form.GetAttribute("action"), body);
    }

    public static Task<HttpResponseMessage> UploadCsvAsync(this HttpClient client, string content, string fileName = "contacts.csv") =>
        client.UploadCsvAsync(System.Text.Encoding.UTF8.GetBytes(content), fileName);

    /// <summary>Uploads and returns the address of step 2 (the column mapping page).</summary>
    public static async Task<string> UploadCsvToMappingAsync(this HttpClient client, string content, string fileName = "contacts.csv")
    {
        var response = await client.UploadCsvAsync(content, fileName);
        var target = response.RedirectTarget();
        target.Should().MatchRegex("^/contacts/import/[0-9a-f]{32}$", "the upload should be accepted");
        return target;
    }

    /// <summary>Any antiforgery token of this session (from the sign-out form every page has).</summary>
    public static async Task<string> AntiforgeryTokenAsync(this HttpClient client)
    {
        var home = await client.GetPageAsync("/");
        return home.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
    }

    /// <summary>Ticks exactly the attribute boxes whose column names are given.</summary>
    public static void ChooseAttributeColumns(this IHtmlFormElement form, params string[] columns)
    {
        foreach (var box in form.QuerySelectorAll<IHtmlInputElement>("[data-testid=attribute-columns] input[type=checkbox]"))
        {
            var label = form.QuerySelector($"label[for='{box.Id}']")!.TextContent.Trim();
            box.IsChecked = columns.Contains(label);
        }
    }
}
