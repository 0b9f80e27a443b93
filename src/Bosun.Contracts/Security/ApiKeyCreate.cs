using System.Text.Json.Serialization;

namespace Bosun.Contracts.Security;

/// <summary>Creates an API key.</summary>
/// <param name="Name">A name saying whose or what it is for.</param>
/// <param name="Role">What it may do.</param>
/// <param name="ExpiresInDays">Days until it stops working; never when null.</param>
public sealed record ApiKeyCreate(string Name, [property: JsonRequired] ApiKeyRole Role, int? ExpiresInDays = null)
{
    /// <summary>For a worker key: the pools it serves (claiming, heartbeating or reporting elsewhere is refused); null for every pool.</summary>
    public IReadOnlyList<string>? Pools { get; init; }
}
