using Bosun.Contracts.States;
using System.Diagnostics;
using System.Globalization;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Infrastructure.PullSteps;

namespace Bosun.Worker.Infrastructure;

/// <summary>
/// The process work pool: each run is a child process of the worker, started in its own session (setsid) so that
/// cancelling signals the whole process group — the flow and everything it spawned.
/// </summary>
internal sealed class ProcessInfrastructure : FlowRunInfrastructure
{
    private const string SetSid = "/usr/bin/setsid";

    public override string Type => WorkPoolTypes.Process;

    /// <summary>A process is up in well under a second; a .NET flow takes a moment more to start and report.</summary>
    public override TimeSpan StartLead => TimeSpan.FromSeconds(3);

    public override async Task<InfrastructureHandle> StartAsync(JobContext job, CancellationToken cancellationToken)
    {
        var command = job.Text("command") ?? job.Claim.Deployment.Entrypoint
            ?? throw new SubmissionException($"deployment '{job.Claim.Deployment.FullName}' has no entrypoint and the job sets no command: nothing to start");
        var environment = job.MergedEnvironment();
        var pathVariable = environment.TryGetValue("PATH", out var path) ? path : System.Environment.GetEnvironmentVariable("PATH");
        var ownDirectory = job.Text("working_dir") is null;
        // One directory per attempt: a crash retry of the same run can start while the killed attempt's directory is still
        // being deleted by its own handle, which must not take the new attempt's with it.
        var runDirectory = job.Text("working_dir")
            ?? Path.Combine(Path.GetTempPath(), $"bosun-run-{job.Claim.FlowRun.Id:N}-{Guid.NewGuid():N}");
        if (ownDirectory)
        {
            Directory.CreateDirectory(runDirectory);
        }
        else if (!Directory.Exists(runDirectory))
        {
            throw new SubmissionException($"working_dir '{runDirectory}' does not exist");
        }

        try
        {
            var workingDirectory = runDirectory;
            if (job.PullSteps is { Count: > 0 } steps)
            {
                var pull = new PullStepRunner(job, environment);
                await pull.RunAsync(steps, runDirectory, cancellationToken).ConfigureAwait(false);
                workingDirectory = pull.WorkingDirectory;
                command = RenderCommand(pull, command);
            }

            return Start(job, command, environment, pathVariable, workingDirectory, ownDirectory ? runDirectory : null);
        }
        catch (Exception) when (ownDirectory)
        {
            DeleteDirectory(runDirectory);
            throw;
        }
    }

    private static string RenderCommand(PullStepRunner pull, string command)
    {
        try
        {
            return pull.Render(command);
        }
        catch (PullStepException ex)
        {
            throw new SubmissionException($"the command {command}: {ex.Message}", ex);
        }
    }

    private static ProcessHandle Start(
        JobContext job, string command, IReadOnlyDictionary<string, string?> environment, string? pathVariable, string workingDirectory, string? temporaryDirectory)
    {
        var arguments = CommandLine.Split(command);
        if (arguments.Count == 0)
        {
            throw new SubmissionException("the command is empty");
        }

        // A relative program (bin/App or ./run.sh) is found in the working directory the pull steps left, so a deployment
        // names its code where any worker puts it, not where the deploying machine had it.
        var program = CommandLine.Resolve(arguments[0], pathVariable, workingDirectory)
            ?? throw new SubmissionException($"command '{arguments[0]}' was not found (in {workingDirectory} or on PATH={pathVariable})");

        var useSession = File.Exists(SetSid);
        var info = new ProcessStartInfo(useSession ? SetSid : program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        if (useSession)
        {
            info.ArgumentList.Add(program);
        }

        foreach (var argument in arguments.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        SetEnvironment(info, environment);

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var stream = job.StreamOutput;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && stream)
            {
                job.Output(e.Data, false);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null && stream)
            {
                job.Output(e.Data, true);
            }
        };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new SubmissionException($"could not start '{command}': {ex.Message}", ex);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ProcessHandle(process, useSession, temporaryDirectory);
    }

    /// <summary>Applies the merged environment: a null value removes the variable.</summary>
    internal static void SetEnvironment(ProcessStartInfo info, IReadOnlyDictionary<string, string?> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open by a dying child; the OS temp cleaner takes it later.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private sealed class ProcessHandle(Process process, bool ownGroup, string? temporaryDirectory) : InfrastructureHandle
    {
        public override string Id { get; } = process.Id.ToString(CultureInfo.InvariantCulture);

        public override async Task<InfrastructureExit> WaitForExitAsync(CancellationToken cancellationToken)
        {
            // WaitForExitAsync also waits for the end of the redirected output, which a left-over background child
            // could hold open forever; so wait for the exit alone, clean up the group, then drain the output.
            var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.Exited += (_, _) => exited.TrySetResult();
            if (process.HasExited)
            {
                exited.TrySetResult();
            }

            await exited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (ownGroup)
            {
                PosixSignals.SignalGroup(process.Id, PosixSignals.SigKill);
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return new InfrastructureExit(process.ExitCode);
        }

        public override async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
        {
            if (process.HasExited)
            {
                return;
            }

            Signal(PosixSignals.SigTerm);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Signal(PosixSignals.SigKill);
                process.Kill(entireProcessTree: true);
            }
        }

        public override ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                Signal(PosixSignals.SigKill);
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            if (temporaryDirectory is not null)
            {
                DeleteDirectory(temporaryDirectory);
            }

            return ValueTask.CompletedTask;
        }

        private void Signal(int signal)
        {
            if (ownGroup)
            {
                PosixSignals.SignalGroup(process.Id, signal);
            }
            else if (signal == PosixSignals.SigKill)
            {
                process.Kill(entireProcessTree: true);
            }
            else
            {
                // Without setsid there is no group to signal; SIGTERM the process itself.
                PosixSignals.SignalProcess(process.Id, signal);
            }
        }
    }
}
