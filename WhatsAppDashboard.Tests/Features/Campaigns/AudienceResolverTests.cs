using Microsoft.Extensions.DependencyInjection;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.Campaigns.Audiences;
using WhatsAppDashboard.Features.Campaigns.Rendering;

namespace WhatsAppDashboard.Tests.Features.Campaigns;

/// <summary>Resolving and counting audiences against a real database. Each test uses labels and numbers of its own.</summary>
public sealed class AudienceResolverTests(AudienceAppFactory app) : IClassFixture<AudienceAppFactory>
{
    private static AudienceSpec Contacts(ContactsAudience filter) => new(0, AudienceKind.Contacts, new AudienceSettings { Contacts = filter }, null);

    [Fact]
    public async Task The_contacts_filter_selects_by_labels_activity_and_attribute_and_always_leaves_out_opted_out_and_blocked()
    {
        await app.AddContactAsync("+447700100001", "One", ["fa", "fb"], attributes: new() { ["city"] = "Leeds" });
        await app.AddContactAsync("+447700100002", "Two", ["fa"], attributes: new() { ["city"] = " leeds" });
        await app.AddContactAsync("+447700100003", "Three", ["fb"], active: false, attributes: new() { ["city"] = "York" });
        await app.AddContactAsync("+447700100004", "Four", ["fa", "fx"]);
        await app.AddContactAsync("+447700100005", "Five", ["fa"], optedOut: true);
        await app.AddContactAsync("+447700100006", "Six", ["fa", "fb"], blocked: true);
        await app.AddContactAsync("+447700100007", "Seven", ["fa"], optedOut: true, blocked: true);
        await app.AddContactAsync("+447700100008", "Eight", ["other"]);

        (await app.CountAsync(Contacts(new() { Labels = ["fa", "FB"], LabelMatch = LabelMatch.Any })))
            .Should().Be(new AudienceCount(3, 2, 1), "any of the labels, active only: two opted out (one also blocked) and one blocked left out");
        (await app.CountAsync(Contacts(new() { Labels = ["fa", "fb"], LabelMatch = LabelMatch.All, ActiveOnly = false })))
            .Should().Be(new AudienceCount(1, 0, 1), "all of the labels");
        (await app.CountAsync(Contacts(new() { Labels = ["fa"], ExcludeLabels = ["fx"] })))
            .Should().Be(new AudienceCount(2, 2, 1), "an excluded label removes the contact before anything is counted");
        (await app.CountAsync(Contacts(new() { Labels = ["fa", "fb"], ActiveOnly = false })))
            .Should().Be(new AudienceCount(4, 2, 1), "inactive contacts count when not restricted to active ones");
        (await app.CountAsync(Contacts(new() { Labels = ["fa", "fb"], AttributeKey = "city", AttributeValue = "LEEDS " })))
            .Should().Be(new AudienceCount(2, 0, 0), "attribute values match ignoring case and outer spaces");
        (await app.CountAsync(Contacts(new() { Labels = ["fa", "fb"], LabelMatch = LabelMatch.All, ExcludeLabels = ["fb"] })))
            .Should().Be(AudienceCount.None);

        var members = await app.ResolveAsync(Contacts(new() { Labels = ["fa", "fb"] }));
        members.Select(m => m.Phone).Should().Equal("+447700100001", "+447700100002", "+447700100004");
        members[0].Name.Should().Be("One");
        members[0].Fields.Should().Equal(new Dictionary<string, string> { ["city"] = "Leeds", ["phone"] = "+447700100001", ["name"] = "One" });
    }

    [Fact]
    public async Task Csv_and_list_rows_stream_in_file_order_without_opted_out_or_blocked_numbers()
    {
        var campaignId = await app.CreateCampaignAsync(await app.CreateTemplateAsync("""[{"type":"BODY","text":"Hi"}]"""));
        await app.AddContactAsync("+447700200002", "Opted out", optedOut: true);
        await app.AddContactAsync("+447700200003", "Blocked", blocked: true);
        await app.AddContactAsync("+447700200004", "Known and fine");
        await app.WithDbAsync(async db =>
        {
            // Inserted out of order: the file's order is the row number.
            db.CampaignAudienceRows.AddRange(
                Row(campaignId, 5, "+447700200004", "Dee", "d"),
                Row(campaignId, 2, "+447700200001", "Ann", "a"),
                Row(campaignId, 4, "+447700200003", "Cy", "c"),
                Row(campaignId, 3, "+447700200002", "Bo", "b"));
            return await db.SaveChangesAsync();
        });

        foreach (var kind in new[] { AudienceKind.Csv, AudienceKind.List })
        {
            var spec = new AudienceSpec(campaignId, kind, new AudienceSettings(), null);
            (await app.CountAsync(spec)).Should().Be(new AudienceCount(2, 1, 1));
            var members = await app.ResolveAsync(spec);
            members.Select(m => (m.Phone, m.Name)).Should().Equal(("+447700200001", "Ann"), ("+447700200004", "Dee"));
            members[0].Fields.Should().Equal(new Dictionary<string, string> { ["Mobile"] = "07700 200001", ["Code"] = "a" });
        }
    }

    [Fact]
    public async Task A_named_audience_is_normalised_and_leaves_out_opted_out_contacts()
    {
        await app.AddContactAsync("+447700900103", "Vip Three", optedOut: true);
        var spec = new AudienceSpec(0, AudienceKind.Named, new AudienceSettings { ProviderKey = TestVipProvider.Key }, "44");

        var members = await app.ResolveAsync(spec);
        var count = await app.CountAsync(spec);

        members.Select(m => m.Phone).Should().Equal("+447700900101", "+447700900102");
        members[0].Fields["tier"].Should().Be("gold");
        count.Should().Be(new AudienceCount(2, 1, 0));
    }

    [Fact]
    public async Task A_provider_that_is_no_longer_registered_is_a_clear_problem()
    {
        var spec = new AudienceSpec(0, AudienceKind.Named, new AudienceSettings { ProviderKey = "gone-away" }, null);

        var problem = await app.WithResolverAsync((resolver, _) => Task.FromResult(resolver.ProblemOf(spec)));
        var resolving = () => app.ResolveAsync(spec);

        problem.Should().Be("The named audience \"gone-away\" is not available (any more): choose another one.");
        await resolving.Should().ThrowAsync<AudienceUnavailableException>().WithMessage(problem);
        (await app.CountAsync(spec)).Should().Be(AudienceCount.None);
    }

    [Fact]
    public async Task Empty_value_counts_in_sql_agree_with_what_the_renderer_puts_in_each_message()
    {
        await app.AddContactAsync("+447700300001", "Amy", ["ev"], attributes: new() { ["city"] = "Leeds", ["plan"] = "gold" });
        await app.AddContactAsync("+447700300002", " ", ["ev"], attributes: new() { ["City"] = "York" });
        await app.AddContactAsync("+447700300003", "Cat", ["ev"], attributes: new() { ["city"] = " \t" });
        await app.AddContactAsync("+447700300004", "Dan", ["ev"]);
        await app.AddContactAsync("+447700300005", "", ["ev"], optedOut: true);
        var spec = Contacts(new() { Labels = ["ev"] });
        var mappings = new Dictionary<string, ParameterMapping>
        {
            ["body.1"] = new(MappingSource.Field, Field: "CITY"),
            ["body.2"] = new(MappingSource.Field, Field: "name"),
            ["body.3"] = new(MappingSource.Field, Field: "phone"),
            ["body.4"] = new(MappingSource.Field, Field: "plan", Fallback: "basic"),
            ["body.5"] = new(MappingSource.Text, Text: "hello"),
        };

        var counts = await app.WithResolverAsync((_, services) =>
            services.GetRequiredService<AudienceFieldQueries>().CountEmptyAsync(spec, mappings));
        var members = await app.ResolveAsync(spec);

        counts.BySlot.Should().Equal(new Dictionary<string, int> { ["body.1"] = 2, ["body.2"] = 1, ["body.3"] = 0 });
        counts.Recipients.Should().Be(3, "Amy has everything; the opted-out contact is not a recipient");
        counts.SampledMembers.Should().BeNull();
        foreach (var (slot, mapping) in mappings.Where(m => counts.BySlot.ContainsKey(m.Key)))
            members.Count(m => MessageRenderer.Resolve(mapping, m, null).IsEmpty).Should().Be(counts.BySlot[slot], "SQL and renderer agree on {0}", slot);
        members.Count(m => mappings.Values.Any(v => MessageRenderer.Resolve(v, m, null).IsEmpty)).Should().Be(counts.Recipients);
    }

    [Fact]
    public async Task The_fields_offered_for_mapping_come_from_the_audience()
    {
        await app.AddContactAsync("+447700400001", "Fay", ["fields"], attributes: new() { ["city"] = "Leeds", ["Name"] = "ignored" });
        await app.AddContactAsync("+447700400002", "Gus", ["fields"], attributes: new() { ["tier"] = "gold" });
        await app.AddContactAsync("+447700400003", "Hal", ["fields"], optedOut: true, attributes: new() { ["secret"] = "x" });

        var contactFields = await app.WithResolverAsync((_, services) =>
            services.GetRequiredService<AudienceFieldQueries>().FieldNamesAsync(Contacts(new() { Labels = ["fields"] })));
        var providerFields = await app.WithResolverAsync((_, services) => services.GetRequiredService<AudienceFieldQueries>().FieldNamesAsync(
            new AudienceSpec(0, AudienceKind.Named, new AudienceSettings { ProviderKey = TestVipProvider.Key }, "44")));

        contactFields.Should().Equal("phone", "name", "city", "tier");
        providerFields.Should().Equal("phone", "name", "tier", "Lounge");
    }

    private static CampaignAudienceRow Row(int campaignId, int rowNumber, string phone, string name, string code) => new()
    {
        CampaignId = campaignId, RowNumber = rowNumber, Phone = phone, Name = name,
        Fields = new() { ["Mobile"] = "0" + phone[3..7] + " " + phone[7..], ["Code"] = code },
    };
}
