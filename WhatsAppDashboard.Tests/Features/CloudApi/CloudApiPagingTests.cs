using System.Text.Json;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Tests.Features.CloudApi;

public sealed class CloudApiPagingTests
{
    private static readonly Uri First = new("https://graph.facebook.com/v23.0/42/message_templates?fields=name&limit=100");

    private static Uri? Next(string answer, Uri? current = null) =>
        CloudApiClient.NextPage(First, current ?? First, JsonDocument.Parse(answer).RootElement);

    [Fact]
    public void Metas_next_link_is_followed_when_it_points_at_the_same_server()
    {
        var next = Next("""{"data":[],"paging":{"cursors":{"after":"QVFI"},"next":"https://graph.facebook.com/v23.0/42/message_templates?limit=100&after=QVFI"}}""");

        next.Should().Be(new Uri("https://graph.facebook.com/v23.0/42/message_templates?limit=100&after=QVFI"));
    }

    [Fact]
    public void A_next_link_to_another_server_is_replaced_by_the_after_cursor_so_the_token_stays_home()
    {
        var next = Next("""{"data":[],"paging":{"cursors":{"after":"QVFI+/="},"next":"https://elsewhere.example/v23.0/42/message_templates?after=QVFI"}}""");

        next.Should().Be(new Uri(First.AbsoluteUri + "&after=QVFI%2B%2F%3D"));
    }

    [Theory]
    [InlineData("""{"data":[]}""")]
    [InlineData("""{"data":[],"paging":{"cursors":{"before":"A","after":"B"}}}""")]
    public void Without_a_next_link_the_page_is_the_last(string answer) => Next(answer).Should().BeNull();

    [Fact]
    public void A_next_link_back_to_the_same_page_ends_the_listing_instead_of_looping()
    {
        var answer = $$$"""{"data":[],"paging":{"next":"{{{First.AbsoluteUri}}}"}}""";

        Next(answer, First).Should().BeNull();
    }
}
