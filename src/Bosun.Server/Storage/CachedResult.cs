namespace Bosun.Server.Storage;

/// <summary>A cache entry: the task run whose result it is, the result as stored, and its expiration (Unix ms).</summary>
internal sealed class CachedResult
{
    public Guid Id { get; set; }
    public string? Result { get; set; }
    public string? ResultRef { get; set; }
    public long ResultSize { get; set; }
    public long CacheExpiration { get; set; }
    public string? ResultSerializer { get; set; }

    public StoredResult Stored => new() { Result = Result, ResultRef = ResultRef, ResultSize = ResultSize, ResultSerializer = ResultSerializer };
}
