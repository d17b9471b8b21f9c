using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Tests.Features.CloudApi;

public sealed class CloudApiErrorsTests
{
    [Theory]
    // Transient: retry with back-off.
    [InlineData(130429, 400, ErrorClass.Transient)]
    [InlineData(131056, 400, ErrorClass.Transient)]
    [InlineData(1, 500, ErrorClass.Transient)]
    [InlineData(2, 503, ErrorClass.Transient)]
    [InlineData(4, 400, ErrorClass.Transient)]
    [InlineData(80007, 400, ErrorClass.Transient)]
    [InlineData(CloudApiErrors.TimeoutCode, null, ErrorClass.Transient)]
    [InlineData(CloudApiErrors.NetworkErrorCode, null, ErrorClass.Transient)]
    [InlineData(CloudApiErrors.UnexpectedResponseCode, 502, ErrorClass.Transient)]
    [InlineData(999999, 500, ErrorClass.Transient)]
    [InlineData(999999, 503, ErrorClass.Transient)]
    [InlineData(999999, 429, ErrorClass.Transient)]
    // Meta's per-user marketing cap: hours later.
    [InlineData(131049, 400, ErrorClass.RetryLater)]
    // The user stopped marketing messages.
    [InlineData(131050, 400, ErrorClass.OptOut)]
    // The account cannot send: pause the campaign.
    [InlineData(190, 401, ErrorClass.AccountLevel)]
    [InlineData(10, 403, ErrorClass.AccountLevel)]
    [InlineData(200, 403, ErrorClass.AccountLevel)]
    [InlineData(250, 403, ErrorClass.AccountLevel)]
    [InlineData(299, 403, ErrorClass.AccountLevel)]
    [InlineData(131031, 403, ErrorClass.AccountLevel)]
    [InlineData(131048, 400, ErrorClass.AccountLevel)]
    [InlineData(368, 403, ErrorClass.AccountLevel)]
    [InlineData(131042, 400, ErrorClass.AccountLevel)]
    [InlineData(131045, 400, ErrorClass.AccountLevel)]
    [InlineData(CloudApiErrors.InvalidTargetCode, null, ErrorClass.AccountLevel)]
    [InlineData(CloudApiErrors.UnexpectedResponseCode, 401, ErrorClass.AccountLevel)]
    // Fail the recipient.
    [InlineData(131026, 400, ErrorClass.Permanent)]
    [InlineData(131047, 400, ErrorClass.Permanent)]
    [InlineData(132000, 400, ErrorClass.Permanent)]
    [InlineData(132001, 404, ErrorClass.Permanent)]
    [InlineData(132012, 400, ErrorClass.Permanent)]
    [InlineData(132999, 400, ErrorClass.Permanent)]
    [InlineData(100, 400, ErrorClass.Permanent)]
    [InlineData(131008, 400, ErrorClass.Permanent)]
    [InlineData(131009, 400, ErrorClass.Permanent)]
    [InlineData(131021, 400, ErrorClass.Permanent)]
    [InlineData(131051, 400, ErrorClass.Permanent)]
    [InlineData(133010, 400, ErrorClass.Permanent)]
    [InlineData(999999, 400, ErrorClass.Permanent)]
    [InlineData(999999, null, ErrorClass.Permanent)]
    // A known code decides, whatever the status says.
    [InlineData(131026, 500, ErrorClass.Permanent)]
    [InlineData(130429, 500, ErrorClass.Transient)]
    public void Every_code_Meta_documents_has_its_class(int code, int? httpStatus, ErrorClass expected) =>
        CloudApiErrors.Classify(code, httpStatus).Should().Be(expected);

    [Fact]
    public void Metas_error_envelope_is_read_into_one_error()
    {
        const string body = """
            {"error":{"message":"(#131026) Message undeliverable","type":"OAuthException","code":131026,"error_subcode":2494010,
             "error_data":{"messaging_product":"whatsapp","details":"Unable to deliver the message."},"fbtrace_id":"AbC123"}}
            """;

        var error = CloudApiErrors.FromEnvelope(body, 400);

        error.Should().BeEquivalentTo(new CloudApiError(
            131026, 2494010, "Message undeliverable", "Unable to deliver the message.", "AbC123", 400, ErrorClass.Permanent));
        error!.ToString().Should().Be("(131026) Message undeliverable: Unable to deliver the message.");
    }

    [Fact]
    public void A_token_error_without_details_is_read_as_account_level()
    {
        var error = CloudApiErrors.FromEnvelope(
            """{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"X"}}""",
            401);

        error!.Class.Should().Be(ErrorClass.AccountLevel);
        error.Subcode.Should().Be(463);
        error.Title.Should().Be("Error validating access token: Session has expired");
        error.Details.Should().BeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>Bad gateway</html>")]
    [InlineData("""{"message":"no envelope"}""")]
    [InlineData("""{"error":"just a string"}""")]
    [InlineData("""{"error":{"message":"no code"}}""")]
    public void Anything_else_is_not_taken_for_an_envelope(string body) =>
        CloudApiErrors.FromEnvelope(body, 502).Should().BeNull();
}
