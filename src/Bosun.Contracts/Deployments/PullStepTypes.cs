namespace Bosun.Contracts.Deployments;

/// <summary>
/// The pull steps a worker runs before a run starts (docs/deployments-as-code.md). Each step is an object with one key,
/// the step's type, whose value holds its fields; every step takes an optional <c>id</c> whose outputs later steps and
/// the command use as <c>{{ id.output }}</c>.
/// </summary>
public static class PullStepTypes
{
    /// <summary><c>git clone</c> of <c>repository</c> at <c>branch</c> or <c>commit</c> (with <c>credentials</c>), then works inside the clone. Outputs <c>directory</c>, <c>commit</c>.</summary>
    public const string GitClone = "git_clone";

    /// <summary>Copies (<c>path</c>) or downloads (<c>url</c>) an artifact and, for .zip/.tar.gz/.tgz, extracts it and works inside. Outputs <c>directory</c>, <c>file</c>.</summary>
    public const string Download = "download";

    /// <summary>Changes the working directory to <c>directory</c> (relative to the current one). Outputs <c>directory</c>.</summary>
    public const string SetWorkingDirectory = "set_working_directory";

    /// <summary><c>dotnet publish</c> of <c>project</c> (default the working directory) into <c>output</c>. Outputs <c>directory</c>, <c>dll</c>.</summary>
    public const string DotnetPublish = "dotnet_publish";

    /// <summary><c>dotnet build</c> of <c>project</c>. Outputs <c>directory</c> (the working directory).</summary>
    public const string DotnetBuild = "dotnet_build";

    /// <summary>Runs <c>command</c> (split like a shell, no expansion) in the working directory. Outputs <c>stdout</c>.</summary>
    public const string RunCommand = "run_command";

    /// <summary>Every step type.</summary>
    public static IReadOnlyList<string> All { get; } = [GitClone, Download, SetWorkingDirectory, DotnetPublish, DotnetBuild, RunCommand];
}
