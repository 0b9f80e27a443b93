namespace Bosun.Server.Storage;

/// <summary>A result as a row holds it: its JSON text, or the name of its file in the result folder, and its size.</summary>
internal sealed class StoredResult
{
    public string? Result { get; set; }
    public string? ResultRef { get; set; }
    public long ResultSize { get; set; }
    public string? ResultSerializer { get; set; }
}
