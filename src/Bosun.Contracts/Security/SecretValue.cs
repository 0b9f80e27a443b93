namespace Bosun.Contracts.Security;

/// <summary>A secret's value, sent once to store it; never returned by the API.</summary>
/// <param name="Value">The value.</param>
public sealed record SecretValue(string Value);
