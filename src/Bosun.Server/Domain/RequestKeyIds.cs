using System.Security.Cryptography;
using System.Text;

namespace Bosun.Server.Domain;

/// <summary>
/// The id of what a request with an Idempotency-Key makes (a run, a work pool or queue, a schedule, an automation; an
/// API key from the key with its caller; the state a pause or a resume writes from the key with its run): a name-based UUID (RFC 9562, version 5,
/// SHA-1) of the key. A create sent again with its key makes the same id, so it
/// meets the first attempt's row on the primary key (or finds it by that id), with no column or index of its own. It
/// never equals a random (version 4) id.
/// </summary>
internal static class RequestKeyIds
{
    /// <summary>Bosun's namespace for these names (any fixed UUID: it keeps them apart from other version-5 UUIDs).</summary>
    private static readonly Guid Namespace = new("5e3c1d2a-8f0b-4c7e-9a61-b05a2c7d4f18");

    public static Guid Of(string key) => NameBased(Namespace, key);

    /// <summary>The 409 for a key whose first request made something else (<paramref name="made"/>, e.g. "work pool 'a'").</summary>
    public static ConflictException UsedElsewhere(string key, string made) =>
        new($"Idempotency-Key '{key}' was used by another request (it made {made}): send a new key with each create.");

    /// <summary>The version-5 UUID of <paramref name="name"/> (UTF-8) in <paramref name="space"/>, as RFC 9562 §5.5 makes it.</summary>
    public static Guid NameBased(Guid space, string name)
    {
        var input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        space.TryWriteBytes(input, bigEndian: true, out _);
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // Version 5 is SHA-1 by definition; the id names a request, it protects nothing.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
