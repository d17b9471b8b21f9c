using System.Net;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Infrastructure;

namespace WhatsAppDashboard.Tests.Features.Contacts;

/// <summary>Contacts are for Admins and Marketers: a Viewer is turned away from every page, file and form.</summary>
public sealed class ContactAccessTests(ContactsAppFactory app) : IClassFixture<ContactsAppFactory>
{
    [Fact]
    public async Task A_viewer_is_denied_every_contacts_page_and_file()
    {
        var id = await app.AddContactAsync("+447700900501", "Private Person");
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var mappingUrl = await marketer.UploadCsvToMappingAsync("phone\n+447700900502\n");
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);

        string[] urls =
        [
            "/contacts", "/contacts?q=private", "/contacts/new", $"/contacts/{id}", "/contacts/labels", "/contacts/import",
            mappingUrl, mappingUrl + "/report", mappingUrl + "/rejects", "/contacts/export", "/contacts/export?label=vip",
        ];
        foreach (var url in urls)
        {
            var response = await viewer.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, "a viewer may not open {0}", url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied", url);
        }
    }

    [Fact]
    public async Task A_viewer_cannot_change_anything_through_any_contacts_form()
    {
        var id = await app.AddContactAsync("+447700900511", "Stays Same", labels: ["untouched"]);
        var labelId = await app.WithDbAsync(db => db.Labels.Where(l => l.Name == "untouched").Select(l => l.Id).SingleAsync());
        var (marketer, _) = await app.SignedInClientAsync(Roles.Marketer);
        var mappingUrl = await marketer.UploadCsvToMappingAsync("phone\n+447700900512\n");
        var (viewer, _) = await app.SignedInClientAsync(Roles.Viewer);
        var token = await viewer.AntiforgeryTokenAsync();
        var auditBefore = await app.WithDbAsync(db => db.AuditEntries.CountAsync());

        var posts = new (string Url, Dictionary<string, string> Fields)[]
        {
            ("/contacts", new() { ["_handler"] = "contact-actions", ["Action.Command"] = $"optout:{id}" }),
            ("/contacts", new() { ["_handler"] = "contact-actions", ["Action.Command"] = $"block:{id}" }),
            ("/contacts/new", new() { ["_handler"] = "contact", ["Input.Phone"] = "+447700900513", ["Input.IsActive"] = "true" }),
            ($"/contacts/{id}", new() { ["_handler"] = "contact", ["Input.Phone"] = "+447700900511", ["Input.Name"] = "Changed" }),
            ($"/contacts/{id}", new() { ["_handler"] = "contact-status", ["Action.Command"] = $"delete:{id}" }),
            ("/contacts/labels", new() { ["_handler"] = "create-label", ["NewLabel.Name"] = "sneaky" }),
            ("/contacts/labels", new() { ["_handler"] = "label-actions", ["Action.Command"] = $"delete:{labelId}" }),
            (mappingUrl, new() { ["_handler"] = "import-mapping", ["Form.PhoneColumn"] = "0", ["Form.Command"] = "import" }),
        };
        foreach (var (url, fields) in posts)
        {
            fields["__RequestVerificationToken"] = token;
            var response = await viewer.PostAsync(url, new FormUrlEncodedContent(fields));
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, "a viewer may not post {0} to {1}", fields["_handler"], url);
            response.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");
        }

        var upload = await viewer.PostAsync("/contacts/import/upload", new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent("phone\n+447700900514\n"u8.ToArray()), "file", "x.csv" },
        });
        upload.Headers.Location!.AbsolutePath.Should().Be("/account/access-denied");

        var contact = (await app.FindContactAsync("+447700900511"))!;
        contact.Name.Should().Be("Stays Same");
        contact.IsOptedOut.Should().BeFalse();
        contact.IsBlocked.Should().BeFalse();
        contact.Labels.Select(l => l.Name).Should().Equal("untouched");
        (await app.FindContactAsync("+447700900512")).Should().BeNull("the marketer's upload was not imported");
        (await app.FindContactAsync("+447700900513")).Should().BeNull();
        (await app.WithDbAsync(db => db.Labels.AnyAsync(l => l.Name == "sneaky"))).Should().BeFalse();
        (await app.WithDbAsync(db => db.AuditEntries.CountAsync())).Should().Be(auditBefore);
    }
}
