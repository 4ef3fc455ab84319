namespace BlueTokens.Core.Clients;

internal enum ClientStatus
{
    Active,
    Disabled,
    Expired,
}

internal static class ClientStatusNames
{
    public static string ToWire(this ClientStatus status) => status switch
    {
        ClientStatus.Active => "active",
        ClientStatus.Disabled => "disabled",
        _ => "expired",
    };

    public static bool TryParse(string? value, out ClientStatus status)
    {
        switch (value)
        {
            case "active":
                status = ClientStatus.Active;
                return true;
            case "disabled":
                status = ClientStatus.Disabled;
                return true;
            case "expired":
                status = ClientStatus.Expired;
                return true;
            default:
                status = default;
                return false;
        }
    }
}
