using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Contracts.Deployments;
using Bosun.Shared;

namespace Bosun.Worker.Infrastructure.PullSteps;

/// <summary>
/// Runs a deployment's pull steps on the worker's machine before its run starts (docs/deployments-as-code.md): each
/// step's output lines go to the run's logs, each step sees the outputs of the steps before it as <c>{{ id.name }}</c>,
/// and the first failing step stops the run with a <see cref="SubmissionException"/> naming it (the run is CRASHED).
/// </summary>
internal sealed partial class PullStepRunner(JobContext job, IReadOnlyDictionary<string, string?> environment)
{
    private readonly Dictionary<string, Dictionary<string, string>> _outputs = new(StringComparer.Ordinal);

    /// <summary>The working directory the steps ended in.</summary>
    public string WorkingDirectory { get; private set; } = "";

    /// <summary>Runs <paramref name="steps"/> starting in <paramref name="directory"/>.</summary>
    public async Task RunAsync(JsonArray steps, string directory, CancellationToken cancellationToken)
    {
        WorkingDirectory = directory;
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] is not JsonObject { Count: 1 } step || step.First() is not (var type, JsonObject rawFields))
            {
                throw new SubmissionException($"pull step {i + 1} is not an object with one key naming the step");
            }

            var name = rawFields["id"]?.GetValue<string>() is { } id ? $"'{id}' ({type})" : $"{i + 1} ({type})";
            try
            {
                var fields = (JsonObject)Render(rawFields)!;
                job.WorkerLog($"Pull step {name}: starting in {WorkingDirectory}.");
                var outputs = await RunStepAsync(type, fields, cancellationToken).ConfigureAwait(false);
                outputs.TryAdd("directory", WorkingDirectory);
                if (fields["id"]?.GetValue<string>() is { } stepId)
                {
                    _outputs[stepId] = outputs;
                }

                job.WorkerLog($"Pull step {name}: done.");
            }
            catch (Exception ex) when (ex is PullStepException or IOException or UnauthorizedAccessException or HttpRequestException or InvalidDataException
                or System.ComponentModel.Win32Exception or InvalidOperationException or FormatException)
            {
                throw new SubmissionException($"pull step {name} failed: {ex.Message}", ex);
            }
        }
    }

    /// <summary>
    /// Replaces <c>{{ id.name }}</c> with the output of an earlier step, and <c>{{ env.NAME }}</c> with the run's
    /// environment on this worker (the worker's own and the job's <c>env</c>); an unknown one is an error.
    /// </summary>
    public string Render(string text) => Reference().Replace(text, match =>
        match.Groups[1].Value == "env"
            ? (environment.TryGetValue(match.Groups[2].Value, out var set) ? set : System.Environment.GetEnvironmentVariable(match.Groups[2].Value))
                ?? throw new PullStepException($"'{match.Value}': the environment variable {match.Groups[2].Value} is not set for this run on this worker")
            : _outputs.TryGetValue(match.Groups[1].Value, out var outputs) && outputs.TryGetValue(match.Groups[2].Value, out var value)
                ? value
                : throw new PullStepException($"'{match.Value}' names no output of an earlier step (outputs: {Known()})"));

    private string Known() => _outputs.Count == 0 ? "none" : string.Join(", ", _outputs.SelectMany(step => step.Value.Keys.Select(key => $"{step.Key}.{key}")));

    private JsonNode? Render(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Render(pair.Value)))),
        JsonArray array => new JsonArray(array.Select(Render).ToArray()),
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Render(text)),
        _ => node?.DeepClone(),
    };

    private Task<Dictionary<string, string>> RunStepAsync(string type, JsonObject fields, CancellationToken cancellationToken) => type switch
    {
        PullStepTypes.GitClone => GitCloneAsync(fields, cancellationToken),
        PullStepTypes.Download => DownloadAsync(fields, cancellationToken),
        PullStepTypes.SetWorkingDirectory => Task.FromResult(SetWorkingDirectory(Required(fields, "directory"))),
        PullStepTypes.DotnetPublish => DotnetAsync("publish", fields, cancellationToken),
        PullStepTypes.DotnetBuild => DotnetAsync("build", fields, cancellationToken),
        PullStepTypes.RunCommand => RunCommandAsync(Required(fields, "command"), cancellationToken),
        _ => throw new PullStepException($"'{type}' is not a pull step; use one of {string.Join(", ", PullStepTypes.All)}"),
    };

    private async Task<Dictionary<string, string>> GitCloneAsync(JsonObject fields, CancellationToken cancellationToken)
    {
        var repository = Required(fields, "repository");
        var branch = Optional(fields, "branch");
        var commit = Optional(fields, "commit");
        var target = Path.GetFullPath(Optional(fields, "directory") ?? Path.GetFileNameWithoutExtension(repository.TrimEnd('/')), WorkingDirectory);
        var arguments = new List<string>();
        if (Optional(fields, "credentials") is { } credentials)
        {
            // An Authorization header rather than credentials in the URL: nothing of them lands in .git/config or in git's messages.
            var userAndSecret = credentials.Contains(':', StringComparison.Ordinal) ? credentials : $"x-access-token:{credentials}";
            arguments.AddRange(["-c", $"http.extraHeader=Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndSecret))}"]);
        }

        arguments.Add("clone");
        if (commit is null && repository.Contains("://", StringComparison.Ordinal))
        {
            arguments.AddRange(["--depth", "1"]);
        }

        if (branch is not null)
        {
            arguments.AddRange(["--branch", branch]);
        }

        arguments.AddRange(["--", repository, target]);
        job.WorkerLog($"git clone {repository}{(branch is null ? "" : $" --branch {branch}")} into {target}");
        await RunProcessAsync("git", arguments, WorkingDirectory, cancellationToken).ConfigureAwait(false);
        if (commit is not null)
        {
            await RunProcessAsync("git", ["-C", target, "checkout", "--detach", commit], WorkingDirectory, cancellationToken).ConfigureAwait(false);
        }

        var head = (await RunProcessAsync("git", ["-C", target, "rev-parse", "HEAD"], WorkingDirectory, cancellationToken).ConfigureAwait(false)).Trim();
        job.WorkerLog($"Cloned {repository} at commit {head}.");
        WorkingDirectory = target;
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["directory"] = target, ["commit"] = head };
    }

    private async Task<Dictionary<string, string>> DownloadAsync(JsonObject fields, CancellationToken cancellationToken)
    {
        var url = Optional(fields, "url");
        var source = url ?? Path.GetFullPath(Required(fields, "path"), WorkingDirectory);
        var fileName = url is null ? Path.GetFileName(source) : Path.GetFileName(new Uri(url).AbsolutePath);
        if (string.IsNullOrEmpty(fileName))
        {
            fileName = "artifact";
        }

        var file = Path.Combine(WorkingDirectory, fileName);
        if (url is not null)
        {
            job.WorkerLog($"Downloading {url}");
            using var http = new HttpClient();
            using var response = await http.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var target = File.Create(file);
            await using (target.ConfigureAwait(false))
            {
                await response.Content.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            job.WorkerLog($"Copying {source}");
            File.Copy(source, file, overwrite: true);
        }

        var outputs = new Dictionary<string, string>(StringComparer.Ordinal) { ["file"] = file };
        var archive = ArchiveKind(fileName);
        var extract = fields["extract"] is JsonValue flag && flag.TryGetValue<bool>(out var wanted) ? wanted : archive is not null;
        if (!extract)
        {
            return outputs;
        }

        var directory = Path.GetFullPath(Optional(fields, "directory") ?? fileName[..^(archive ?? "").Length], WorkingDirectory);
        Directory.CreateDirectory(directory);
        if (archive == ".zip")
        {
            await ZipFile.ExtractToDirectoryAsync(file, directory, overwriteFiles: true, cancellationToken).ConfigureAwait(false);
        }
        else if (archive is ".tar.gz" or ".tgz")
        {
            var stream = File.OpenRead(file);
            await using (stream.ConfigureAwait(false))
            {
                var gzip = new GZipStream(stream, CompressionMode.Decompress);
                await using (gzip.ConfigureAwait(false))
                {
                    await TarFile.ExtractToDirectoryAsync(gzip, directory, overwriteFiles: true, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        else
        {
            throw new PullStepException($"'{fileName}' is not an archive this step extracts (.zip, .tar.gz, .tgz); set extract: false to keep it as it is");
        }

        job.WorkerLog($"Extracted {fileName} into {directory}.");
        WorkingDirectory = directory;
        outputs["directory"] = directory;
        return outputs;
    }

    private static readonly string[] ArchiveKinds = [".zip", ".tar.gz", ".tgz"];

    private static string? ArchiveKind(string fileName) =>
        ArchiveKinds.FirstOrDefault(kind => fileName.EndsWith(kind, StringComparison.OrdinalIgnoreCase));

    private Dictionary<string, string> SetWorkingDirectory(string directory)
    {
        var full = Path.GetFullPath(directory, WorkingDirectory);
        if (!Directory.Exists(full))
        {
            throw new PullStepException($"directory '{full}' does not exist");
        }

        WorkingDirectory = full;
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["directory"] = full };
    }

    private async Task<Dictionary<string, string>> DotnetAsync(string verb, JsonObject fields, CancellationToken cancellationToken)
    {
        var project = Path.GetFullPath(Optional(fields, "project") ?? ".", WorkingDirectory);
        var arguments = new List<string> { verb, project, "-c", Optional(fields, "configuration") ?? "Release", "--nologo" };
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (verb == "publish")
        {
            var output = Path.GetFullPath(Optional(fields, "output") ?? ".bosun-publish", WorkingDirectory);
            arguments.AddRange(["-o", output]);
            outputs["directory"] = output;
            var projectFile = File.Exists(project) ? project : Directory.EnumerateFiles(project, "*.csproj").Order(StringComparer.Ordinal).FirstOrDefault();
            if (projectFile is not null)
            {
                outputs["dll"] = Path.Combine(output, Path.GetFileNameWithoutExtension(projectFile) + ".dll");
            }
        }

        await RunProcessAsync("dotnet", arguments, WorkingDirectory, cancellationToken).ConfigureAwait(false);
        return outputs;
    }

    private async Task<Dictionary<string, string>> RunCommandAsync(string command, CancellationToken cancellationToken)
    {
        var arguments = CommandLine.Split(command);
        if (arguments.Count == 0)
        {
            throw new PullStepException("the command is empty");
        }

        var stdout = await RunProcessAsync(arguments[0], arguments.Skip(1).ToList(), WorkingDirectory, cancellationToken).ConfigureAwait(false);
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["stdout"] = stdout.Trim() };
    }

    /// <summary>Runs a program to its end with every output line in the run's logs; returns its standard output.</summary>
    private async Task<string> RunProcessAsync(string program, IReadOnlyList<string> arguments, string directory, CancellationToken cancellationToken)
    {
        var path = environment.TryGetValue("PATH", out var value) ? value : System.Environment.GetEnvironmentVariable("PATH");
        var resolved = CommandLine.Resolve(program, path, directory) ?? throw new PullStepException($"'{program}' was not found (PATH={path})");
        var info = new ProcessStartInfo(resolved) { WorkingDirectory = directory };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        ProcessInfrastructure.SetEnvironment(info, environment);

        // git must never wait for a password on a terminal that is not there.
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        // git and dotnet write progress to stderr: a step's lines are all information; its failure is the error.
        var (exitCode, stdout) = await StreamedProcess.RunAsync(info, (line, _) => job.Output(line, false), keepOutput: true, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new PullStepException($"{program} {string.Join(' ', arguments.Where(a => !a.StartsWith("http.extraHeader", StringComparison.Ordinal)))} exited with code {exitCode}");
        }

        return stdout;
    }

    private static string Required(JsonObject fields, string name) =>
        Optional(fields, name) ?? throw new PullStepException($"'{name}' is required");

    private static string? Optional(JsonObject fields, string name) =>
        fields[name] switch
        {
            JsonValue value when value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) => text,
            null => null,
            var other => other.ToJsonString(),
        };

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Reference();
}
