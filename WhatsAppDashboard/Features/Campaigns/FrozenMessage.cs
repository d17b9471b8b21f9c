using System.Text.Json;
using System.Text.Json.Serialization;
using WhatsAppDashboard.Features.CloudApi;

namespace WhatsAppDashboard.Features.Campaigns;

/// <summary>
/// A recipient's message parameters as resolved when the run started (<see cref="CampaignRecipient.ParametersJson"/>).
/// Sending rebuilds the <see cref="TemplateMessage"/> from it, so what is sent is exactly what was planned.
/// </summary>
public sealed record FrozenMessage(HeaderParameter? Header, IReadOnlyList<TextParameter> Body, IReadOnlyList<ButtonParameter> Buttons)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static FrozenMessage Empty { get; } = new(null, [], []);

    public static FrozenMessage From(TemplateMessage message) => new(message.Header, message.BodyParameters, message.Buttons);

    /// <param name="to">The recipient's number as Meta wants it: digits only, no plus.</param>
    /// <param name="callbackData">Comes back in every status webhook: the recipient's id.</param>
    public TemplateMessage ToMessage(string to, string templateName, string languageCode, string callbackData) =>
        new(to, templateName, languageCode, Header, Body, Buttons, callbackData);

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static FrozenMessage Deserialize(string json) =>
        string.IsNullOrWhiteSpace(json) ? Empty : JsonSerializer.Deserialize<FrozenMessage>(json, Json) ?? Empty;
}
