using System.Globalization;

namespace WhatsAppDashboard.Features.Campaigns.Pages;

/// <summary>The button pressed in a form of campaign actions: <c>Command</c> is "operation:campaignId".</summary>
public sealed class CampaignActionInput
{
    public string Command { get; set; } = "";

    public static (string Operation, int CampaignId) Split(string? command)
    {
        var colon = command?.IndexOf(':') ?? -1;
        if (colon < 0)
            return ("", 0);
        return int.TryParse(command![(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? (command[..colon], id)
            : ("", 0);
    }
}
