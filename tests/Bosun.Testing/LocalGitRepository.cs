using System.Diagnostics;

namespace Bosun.Testing;

/// <summary>
/// A bare git repository on disk (branch main) and the work tree its commits are made in: code a pull step can clone,
/// for tests and benchmarks. Needs git on PATH.
/// </summary>
public sealed class LocalGitRepository
{
    private LocalGitRepository(string work, string bare)
    {
        Work = work;
        Bare = bare;
    }

    /// <summary>The work tree: change files here, then <see cref="CommitAsync"/>.</summary>
    public string Work { get; }

    /// <summary>The bare repository's path, the URL to clone.</summary>
    public string Bare { get; }

    /// <summary>Creates <c>folder/src</c> with a copy of <paramref name="contents"/> (every file below it), commits it and clones it bare to <c>folder/NAME.git</c>.</summary>
    public static async Task<LocalGitRepository> CreateAsync(string folder, string contents, string name = "flows", string message = "flows v1")
    {
        var work = Path.Combine(folder, $"{name}-src");
        foreach (var file in Directory.EnumerateFiles(contents, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(work, Path.GetRelativePath(contents, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var bare = Path.Combine(folder, $"{name}.git");
        await GitAsync(work, "init", "-q", "-b", "main");
        var repository = new LocalGitRepository(work, bare);
        await repository.CommitLocallyAsync(message);
        await GitAsync(folder, "clone", "-q", "--bare", work, bare);
        await GitAsync(work, "remote", "add", "origin", bare);
        return repository;
    }

    /// <summary>
    /// Like <see cref="CreateAsync"/>, with the files of the git work tree <paramref name="sourceRoot"/> under
    /// <paramref name="paths"/> (tracked or new, not ignored, as they are on disk): a copy of part of this repository.
    /// </summary>
    public static async Task<LocalGitRepository> CreateFromRepositoryAsync(string folder, string sourceRoot, IEnumerable<string> paths, string name)
    {
        var files = await GitAsync(sourceRoot, ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", .. paths]);
        var contents = Path.Combine(folder, $"{name}-files");
        foreach (var file in files.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(Path.Combine(sourceRoot, f))))
        {
            var target = Path.Combine(contents, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(sourceRoot, file), target);
        }

        return await CreateAsync(folder, contents, name, $"{name} sources");
    }

    /// <summary>Commits every change of the work tree, pushes it to the bare repository and returns the commit's hash.</summary>
    public async Task<string> CommitAsync(string message)
    {
        var commit = await CommitLocallyAsync(message);
        await GitAsync(Work, "push", "-q", "origin", "main");
        return commit;
    }

    /// <summary>The hash of the work tree's HEAD.</summary>
    public Task<string> HeadAsync() => GitAsync(Work, "rev-parse", "HEAD");

    private async Task<string> CommitLocallyAsync(string message)
    {
        await GitAsync(Work, "add", "-A");
        await GitAsync(Work, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", message);
        return await HeadAsync();
    }

    private static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-C");
        info.ArgumentList.Add(directory);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var git = Process.Start(info)!;
        var output = git.StandardOutput.ReadToEndAsync();
        var error = git.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await git.WaitForExitAsync(timeout.Token);
        return git.ExitCode == 0
            ? (await output).Trim()
            : throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed ({git.ExitCode}): {await error}");
    }
}
