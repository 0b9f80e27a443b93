using System.Text.Json.Nodes;

namespace Bosun.Testing;

/// <summary>One request a <see cref="WebhookReceiver"/> got.</summary>
public sealed record ReceivedWebhook(string Path, string? IdempotencyKey, string? EventKey, JsonObject Body, DateTimeOffset Received);
