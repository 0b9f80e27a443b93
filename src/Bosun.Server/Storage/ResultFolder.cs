using System.Text;
using Bosun.Server.Domain;

namespace Bosun.Server.Storage;

/// <summary>
/// Where results too large for a database row are kept: one file per result, named by its run, written whole to a
/// temporary name first and then renamed, so a reader never sees half a file. Replicas must share the folder.
/// </summary>
internal sealed class ResultFolder(string path)
{
    /// <summary>Results up to this many UTF-8 bytes stay in the row.</summary>
    public const int InlineLimitBytes = 64 * 1024;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The result as a row should hold it: inline when small, else written here and referenced.</summary>
    public async Task<StoredResult> PlaceAsync(string kind, Guid id, string json, CancellationToken cancellationToken)
    {
        var size = Encoding.UTF8.GetByteCount(json);
        if (size <= InlineLimitBytes)
        {
            return new StoredResult { Result = json, ResultSize = size };
        }

        Directory.CreateDirectory(Path);
        var name = $"{kind}-{id:D}.json";
        var temporary = System.IO.Path.Combine(Path, $".{name}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(temporary, json, cancellationToken);
        File.Move(temporary, System.IO.Path.Combine(Path, name), overwrite: true);
        return new StoredResult { ResultRef = name, ResultSize = size };
    }

    /// <summary>
    /// Removes the files of results whose rows were deleted with their runs, once that delete has committed (a rolled-back
    /// delete keeps its files). A file already gone is no matter; one that cannot be removed (permissions, a busy file) does
    /// not undo the delete that came before: it is logged as a warning.
    /// </summary>
    public void DeleteFilesOfDeletedRuns(IReadOnlyList<string> names, ILogger logger)
    {
        foreach (var name in names)
        {
            try
            {
                // File.Delete is silent for a missing file; only its folder missing throws (below).
                File.Delete(System.IO.Path.Combine(Path, System.IO.Path.GetFileName(name)));
            }
            catch (DirectoryNotFoundException)
            {
                // The folder itself is gone, and the file with it.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.ResultFileNotRemoved(logger, name, Path, ex.Message);
            }
        }
    }

    /// <summary>The JSON text of a stored result.</summary>
    public async Task<string> ReadAsync(StoredResult result, CancellationToken cancellationToken)
    {
        if (result.ResultRef is not { } name)
        {
            return result.Result ?? "null";
        }

        try
        {
            return await File.ReadAllTextAsync(System.IO.Path.Combine(Path, System.IO.Path.GetFileName(name)), cancellationToken);
        }
        catch (FileNotFoundException ex)
        {
            throw new NotFoundException($"The result file '{name}' is missing from the result folder {Path} ({ex.Message}): it was removed or the folder setting changed.");
        }
    }
}
