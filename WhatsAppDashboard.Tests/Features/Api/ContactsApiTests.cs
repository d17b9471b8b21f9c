using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Tests.Features.Contacts;

namespace WhatsAppDashboard.Tests.Features.Api;

/// <summary>GET and POST /api/v1/contacts. Each test works on its own label and numbers, so they share one database.</summary>
public sealed class ContactsApiTests(ContactsAppFactory app) : IClassFixture<ContactsAppFactory>
{
    private static int _numbers = Random.Shared.Next(1_000_000, 9_000_000);

    [Fact]
    public async Task Listing_pages_through_a_label_with_totals_and_an_empty_page_past_the_end()
    {
        var label = NewLabel();
        var phones = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            phones.Add(NewPhone());
            await app.AddContactAsync(phones[^1], $"Pager {(char)('A' + i)}", [label]);
        }
        await app.AddContactAsync(NewPhone(), "Pager Z without the label");
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);

        var first = await ListAsync(client, $"label={label}&pageSize=3");
        var third = await ListAsync(client, $"label={label}&pageSize=3&page=3");
        var beyond = await ListAsync(client, $"label={label}&pageSize=3&page=9");

        (first.GetProperty("total").GetInt32(), first.GetProperty("page").GetInt32(), first.GetProperty("pageSize").GetInt32()).Should().Be((7, 1, 3));
        Names(first).Should().Equal("Pager A", "Pager B", "Pager C");
        Names(third).Should().Equal("Pager G");
        Names(beyond).Should().BeEmpty();
        beyond.GetProperty("total").GetInt32().Should().Be(7);
        var item = first.GetProperty("items")[0];
        item.GetProperty("phoneNumber").GetString().Should().Be(phones[0]);
        item.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).Should().Equal(label);
        item.GetProperty("isActive").GetBoolean().Should().BeTrue();
        (await ListAsync(client, $"label={label}")).GetProperty("pageSize").GetInt32().Should().Be(20, "the default page size");
        (await ListAsync(client, $"label={label}&pageSize=100")).GetProperty("items").GetArrayLength().Should().Be(7);
    }

    [Theory]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("page=-2", "page")]
    [InlineData("status=gone", "status")]
    [InlineData("sort=size_desc", "sort")]
    public async Task Out_of_bounds_paging_and_unknown_filters_get_400_with_the_field(string query, string field)
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);

        var problem = await (await client.GetAsync("/api/v1/contacts?" + query)).ProblemAsync(400);

        problem.GetProperty("errors").GetProperty(field)[0].GetString().Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Search_status_and_sort_narrow_and_order_the_list()
    {
        var label = NewLabel();
        var ann = NewPhone();
        var bob = NewPhone();
        var cat = NewPhone();
        await app.AddContactAsync(ann, "Annika Search", [label], createdAt: DateTimeOffset.UtcNow.AddDays(-3));
        await app.AddContactAsync(bob, "Bob Search", [label], optedOut: true, createdAt: DateTimeOffset.UtcNow.AddDays(-2));
        await app.AddContactAsync(cat, "Cat Search", [label], blocked: true, createdAt: DateTimeOffset.UtcNow.AddDays(-1));
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);

        Names(await ListAsync(client, $"label={label}&search=annika")).Should().Equal("Annika Search");
        Names(await ListAsync(client, $"label={label}&search={Uri.EscapeDataString(bob[^6..])}")).Should().Equal("Bob Search");
        Names(await ListAsync(client, $"label={label}&status=opted-out")).Should().Equal("Bob Search");
        Names(await ListAsync(client, $"label={label}&status=blocked")).Should().Equal("Cat Search");
        Names(await ListAsync(client, $"label={label}&status=active")).Should().Equal("Annika Search");
        Names(await ListAsync(client, $"label={label}&sort=createdAt_desc")).Should().Equal("Cat Search", "Bob Search", "Annika Search");
        Names(await ListAsync(client, $"label={label}&sort=name_desc")).Should().Equal("Cat Search", "Bob Search", "Annika Search");
        Names(await ListAsync(client, $"label={label}&sort=name_asc")).Should().Equal("Annika Search", "Bob Search", "Cat Search");
        (await ListAsync(client, "label=" + NewLabel())).GetProperty("total").GetInt32().Should().Be(0, "an unknown label matches nobody");
    }

    [Fact]
    public async Task Posting_a_new_number_creates_the_contact_and_posting_it_again_updates_only_what_is_sent()
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);
        var label = NewLabel();
        var national = "07" + NextDigits(9);
        var e164 = "+447" + national[2..];

        var created = await client.PostJsonAsync("/api/v1/contacts", new
        {
            phoneNumber = national, defaultCountryCode = "44", name = "Ada Upsert",
            attributes = new Dictionary<string, string> { ["city"] = "Leeds", ["plan"] = "gold" }, labels = new[] { label, "VIP " + label },
        });

        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.JsonAsync();
        body.GetProperty("phoneNumber").GetString().Should().Be(e164, "stored in E.164 with the default country code");
        var id = body.GetProperty("id").GetInt64();
        created.Headers.Location!.OriginalString.Should().Be($"/api/v1/contacts/{id}");
        body.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).Should().BeEquivalentTo(label, "vip " + label);

        var updated = await client.PostJsonAsync("/api/v1/contacts", new { phoneNumber = e164, attributes = new Dictionary<string, string> { ["city"] = "York" } });

        updated.StatusCode.Should().Be(HttpStatusCode.OK, await updated.Content.ReadAsStringAsync());
        var after = await updated.JsonAsync();
        after.GetProperty("id").GetInt64().Should().Be(id, "the same contact, found by its number");
        after.GetProperty("name").GetString().Should().Be("Ada Upsert", "a field left out keeps its value");
        after.GetProperty("attributes").EnumerateObject().Select(p => (p.Name, p.Value.GetString())).Should().Equal(("city", "York"));
        after.GetProperty("labels").GetArrayLength().Should().Be(2);
        var stored = await app.FindContactAsync(e164);
        stored!.Attributes.Should().Equal(new Dictionary<string, string> { ["city"] = "York" });
        (await app.WithDbAsync(db => db.Contacts.CountAsync(c => c.Phone == e164))).Should().Be(1);
        (await app.WithDbAsync(db => db.AuditEntries.Where(e => e.Target == e164).Select(e => e.Action).ToListAsync()))
            .Should().Equal("contacts.create", "contacts.update");
    }

    [Fact]
    public async Task Invalid_contacts_get_400_with_field_errors_and_nothing_is_written()
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);
        var before = await app.WithDbAsync(db => db.Contacts.CountAsync());

        var noCountry = await (await client.PostJsonAsync("/api/v1/contacts", new { phoneNumber = "07911123456" })).ProblemAsync(400);
        var letters = await (await client.PostJsonAsync("/api/v1/contacts", new { phoneNumber = "+44 79 CALL ME" })).ProblemAsync(400);
        var missing = await (await client.PostJsonAsync("/api/v1/contacts", new { name = "No number" })).ProblemAsync(400);
        var badCode = await (await client.PostJsonAsync("/api/v1/contacts", new { phoneNumber = "07911123456", defaultCountryCode = "4444" })).ProblemAsync(400);
        var badLabel = await (await client.PostJsonAsync("/api/v1/contacts", new { phoneNumber = NewPhone(), labels = new[] { "no/slashes" } })).ProblemAsync(400);
        var badJson = await client.PostAsync("/api/v1/contacts", new StringContent("{\"phoneNumber\": 12,", Encoding.UTF8, "application/json"));
        var wrongType = await client.PostAsync("/api/v1/contacts", new StringContent("phoneNumber=+4479", Encoding.UTF8, "text/plain"));

        noCountry.GetProperty("errors").GetProperty("phoneNumber")[0].GetString().Should().Contain("country code");
        letters.GetProperty("errors").GetProperty("phoneNumber")[0].GetString().Should().Contain("letters");
        missing.GetProperty("errors").GetProperty("phoneNumber")[0].GetString().Should().Contain("empty");
        badCode.GetProperty("errors").GetProperty("defaultCountryCode")[0].GetString().Should().Contain("1 to 3 digits");
        badLabel.GetProperty("errors").GetProperty("labels")[0].GetString().Should().Contain("no/slashes");
        (await badJson.ProblemAsync(400)).GetProperty("detail").GetString().Should().Contain("JSON");
        await wrongType.ProblemAsync(415);
        (await app.WithDbAsync(db => db.Contacts.CountAsync())).Should().Be(before);
    }

    [Fact]
    public async Task Contacts_need_the_contacts_permission_and_a_key()
    {
        var viewer = await app.ApiClientWithAsync(Permissions.CampaignsView, Permissions.CampaignsCreate, Permissions.TemplatesView);

        await (await viewer.GetAsync("/api/v1/contacts")).ProblemAsync(403);
        await (await viewer.PostJsonAsync("/api/v1/contacts", new { phoneNumber = NewPhone() })).ProblemAsync(403);
        await (await viewer.PostJsonAsync("/api/v1/contacts/import", new { contacts = new[] { new { phoneNumber = NewPhone() } } })).ProblemAsync(403);
        await (await app.ApiClient(null).GetAsync("/api/v1/contacts")).ProblemAsync(401);
        await (await app.ApiClient(null).PostJsonAsync("/api/v1/contacts", new { phoneNumber = NewPhone() })).ProblemAsync(401);
    }

    [Fact]
    public async Task A_json_import_normalises_numbers_reports_duplicates_and_invalid_rows_and_merges_existing_contacts()
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);
        var label = NewLabel();
        var existing = NewPhone();
        await app.AddContactAsync(existing, "Old Name", optedOut: true, attributes: new Dictionary<string, string> { ["tier"] = "silver", ["city"] = "Bath" });
        var national = "07" + NextDigits(9);
        var fromNational = "+447" + national[2..];
        var fresh = NewPhone();

        var response = await client.PostAsync("/api/v1/contacts/import", Json(new
        {
            defaultCountryCode = "+44",
            labels = new[] { label },
            contacts = new object[]
            {
                new { phoneNumber = national, name = "Nat Ional", plan = "gold", visits = 3 },
                new { phoneNumber = existing, name = "New Name", tier = "gold" },
                new { phoneNumber = fresh },
                new { phoneNumber = fromNational.Replace("+", "00"), name = "Same again" },
                new { phoneNumber = "12", name = "Too short" },
                new { phoneNumber = "not a number" },
                new { name = "No number at all" },
                new { phoneNumber = NewPhone(), nested = new { a = 1 } },
            },
        }));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var report = await response.JsonAsync();
        (report.GetProperty("imported").GetInt32(), report.GetProperty("updated").GetInt32(), report.GetProperty("duplicates").GetInt32(),
            report.GetProperty("invalid").GetInt32()).Should().Be((2, 1, 1, 4));
        var errors = report.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("phoneNumber").GetString(), e.GetProperty("reason").GetString()!)).ToList();
        errors.Select(e => (e.Item1, e.Item2)).Should().Equal((4, fromNational.Replace("+", "00")), (5, "12"), (6, "not a number"), (7, null), (8, errors[^1].Item2));
        errors[0].Item3.Should().Contain("row 1");
        errors[1].Item3.Should().Contain("too short");
        errors[3].Item3.Should().Contain("empty");
        errors[4].Item3.Should().Contain("nested");

        var imported = await app.FindContactAsync(fromNational);
        imported!.Name.Should().Be("Nat Ional");
        imported.Attributes.Should().Equal(new Dictionary<string, string> { ["plan"] = "gold", ["visits"] = "3" });
        imported.Labels.Select(l => l.Name).Should().Equal(label);
        var merged = await app.FindContactAsync(existing);
        merged!.Name.Should().Be("New Name");
        merged.Attributes.Should().Equal(new Dictionary<string, string> { ["tier"] = "gold", ["city"] = "Bath" }, "attributes are merged");
        merged.IsOptedOut.Should().BeTrue("an import never opts anyone back in");
        (await app.FindContactAsync(fresh))!.Labels.Select(l => l.Name).Should().Equal(label);
    }

    [Fact]
    public async Task A_json_import_with_bad_settings_or_no_contacts_is_refused_whole()
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);
        var phone = NewPhone();

        var badCode = await (await client.PostAsync("/api/v1/contacts/import",
            Json(new { defaultCountryCode = "0", contacts = new[] { new { phoneNumber = phone } } }))).ProblemAsync(400);
        var badLabel = await (await client.PostAsync("/api/v1/contacts/import",
            Json(new { labels = new[] { "a*b" }, contacts = new[] { new { phoneNumber = phone } } }))).ProblemAsync(400);
        var empty = await (await client.PostAsync("/api/v1/contacts/import", Json(new { contacts = Array.Empty<object>() }))).ProblemAsync(400);
        var tooMany = await (await client.PostAsync("/api/v1/contacts/import",
            Json(new { contacts = Enumerable.Range(0, 10_001).Select(_ => new { phoneNumber = phone }) }))).ProblemAsync(400);
        var wrongType = await client.PostAsync("/api/v1/contacts/import", new StringContent("phone\n+4479", Encoding.UTF8, "text/csv"));

        badCode.GetProperty("errors").TryGetProperty("defaultCountryCode", out _).Should().BeTrue();
        badLabel.GetProperty("errors").TryGetProperty("labels", out _).Should().BeTrue();
        empty.GetProperty("errors").GetProperty("contacts")[0].GetString().Should().Contain("at least one");
        tooMany.GetProperty("errors").GetProperty("contacts")[0].GetString().Should().Contain("10,000");
        (await wrongType.ProblemAsync(415)).GetProperty("detail").GetString().Should().Contain("multipart/form-data");
        (await app.FindContactAsync(phone)).Should().BeNull();
    }

    [Fact]
    public async Task A_csv_import_finds_the_phone_column_and_reports_spreadsheet_rows()
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);
        var label = NewLabel();
        var first = NewPhone();
        var national = "0" + NextDigits(10);
        var second = "+234" + national[1..];
        var csv = $"""
            Full name;Mobile number;City
            Ann CSV;{first};Lagos
            Ben CSV;{national};Abuja
            Ann Again;{first};Kano
            Bad Row;+12;Kano
            """;

        var response = await client.PostAsync("/api/v1/contacts/import", CsvForm(csv, ("defaultCountryCode", "234"), ("labels", label)));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var report = await response.JsonAsync();
        (report.GetProperty("imported").GetInt32(), report.GetProperty("updated").GetInt32(), report.GetProperty("duplicates").GetInt32(),
            report.GetProperty("invalid").GetInt32()).Should().Be((2, 0, 1, 1));
        report.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("phoneNumber").GetString()))
            .Should().Equal((4, first), (5, "+12"));
        var ben = await app.FindContactAsync(second);
        ben!.Name.Should().Be("Ben CSV");
        ben.Attributes.Should().Equal(new Dictionary<string, string> { ["City"] = "Abuja" });
        ben.Labels.Select(l => l.Name).Should().Equal(label);
        (await app.FindContactAsync(first))!.Name.Should().Be("Ann CSV", "the first row of a number wins");
    }

    [Fact]
    public async Task A_csv_import_can_name_its_phone_column_and_is_refused_without_one()
    {
        var client = await app.ApiClientWithAsync(Permissions.ContactsManage);
        var phone = NewPhone();
        var csv = $"name,contact\nDee Named,{phone}\n";

        var guessed = await (await client.PostAsync("/api/v1/contacts/import", CsvForm(csv))).ProblemAsync(400);
        var wrongName = await (await client.PostAsync("/api/v1/contacts/import", CsvForm(csv, ("phoneColumn", "msisdn")))).ProblemAsync(400);
        var noFile = await (await client.PostAsync("/api/v1/contacts/import",
            new MultipartFormDataContent { { new StringContent("44"), "defaultCountryCode" } })).ProblemAsync(400);
        var notUtf8 = await (await client.PostAsync("/api/v1/contacts/import",
            CsvForm(Encoding.Latin1.GetBytes("name,phone\nJosé,+4479111\n")))).ProblemAsync(400);
        (await app.FindContactAsync(phone)).Should().BeNull();

        var named = await client.PostAsync("/api/v1/contacts/import", CsvForm(csv, ("phoneColumn", "Contact")));

        guessed.GetProperty("errors").GetProperty("file")[0].GetString().Should().Contain("phoneColumn");
        wrongName.GetProperty("errors").GetProperty("phoneColumn")[0].GetString().Should().Contain("msisdn");
        noFile.GetProperty("errors").GetProperty("file")[0].GetString().Should().Contain("\"file\"");
        notUtf8.GetProperty("errors").GetProperty("file")[0].GetString().Should().Contain("UTF-8");
        named.StatusCode.Should().Be(HttpStatusCode.OK, await named.Content.ReadAsStringAsync());
        (await named.JsonAsync()).GetProperty("imported").GetInt32().Should().Be(1);
        (await app.FindContactAsync(phone))!.Name.Should().Be("Dee Named");
    }

    private static async Task<JsonElement> ListAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/api/v1/contacts?" + query);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    private static IEnumerable<string?> Names(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, ApiClients.Json), Encoding.UTF8, "application/json");

    private static MultipartFormDataContent CsvForm(string csv, params (string Name, string Value)[] fields) =>
        CsvForm(Encoding.UTF8.GetBytes(csv.ReplaceLineEndings("\n")), fields);

    private static MultipartFormDataContent CsvForm(byte[] csv, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "contacts.csv");
        foreach (var (name, value) in fields)
            form.Add(new StringContent(value), name);
        return form;
    }

    private static string NewLabel() => "api-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A fresh UK mobile number in E.164.</summary>
    private static string NewPhone() => "+447" + NextDigits(9);

    private static string NextDigits(int count) =>
        Interlocked.Increment(ref _numbers).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(count, '1')[^count..];
}
