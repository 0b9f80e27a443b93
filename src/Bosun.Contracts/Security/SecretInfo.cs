namespace Bosun.Contracts.Security;

/// <summary>A stored secret, without its value.</summary>
/// <param name="Name">Its name; job variables refer to it as <c>{{ secret.NAME }}</c>.</param>
/// <param name="Created">Creation time.</param>
/// <param name="Updated">Last change.</param>
public sealed record SecretInfo(string Name, DateTimeOffset Created, DateTimeOffset Updated);
