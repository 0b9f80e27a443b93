namespace Bosun.Server.Orchestration.Automations;

/// <summary>What one attempt of an action came to: done, worth another try, or refused for good.</summary>
internal sealed record DeliveryOutcome(bool Delivered, bool Permanent, int? StatusCode, string? Error)
{
    public static DeliveryOutcome Done(int? statusCode = null) => new(true, false, statusCode, null);

    public static DeliveryOutcome Retry(string error, int? statusCode = null) => new(false, false, statusCode, error);

    public static DeliveryOutcome Refused(string error, int? statusCode = null) => new(false, true, statusCode, error);
}
