namespace Bosun.Contracts.Security;

/// <summary>A web UI session: one sign-in with an API key. The session holds the key's id, never the key.</summary>
/// <param name="Id">The session's id.</param>
/// <param name="KeyId">The id of the key that signed in.</param>
/// <param name="KeyName">That key's name.</param>
/// <param name="Created">When the person signed in.</param>
/// <param name="LastSeen">When the session was last used (noted at most once a minute).</param>
/// <param name="Expires">When it ends unless used again (it slides with use, 8 hours after the last use).</param>
/// <param name="Revoked">When it was ended: signed out, revoked by an admin, or its key revoked; null while it is not.</param>
/// <param name="Active">True while it works: not revoked, not expired, and its key still works.</param>
public sealed record UiSession(Guid Id, Guid KeyId, string KeyName, DateTimeOffset Created, DateTimeOffset LastSeen, DateTimeOffset Expires, DateTimeOffset? Revoked, bool Active);
