using System.Runtime.InteropServices;

namespace Bosun.Worker.Infrastructure;

/// <summary>kill(2) for process groups: .NET's Process.Kill only sends SIGKILL and cannot address a group.</summary>
internal static partial class PosixSignals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to every process of group <paramref name="processGroupId"/>; false when none is left.</summary>
    public static bool SignalGroup(int processGroupId, int signal) => Kill(-processGroupId, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to one process.</summary>
    public static bool SignalProcess(int processId, int signal) => Kill(processId, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
