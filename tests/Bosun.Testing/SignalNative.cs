using System.Runtime.InteropServices;

namespace Bosun.Testing;

/// <summary>kill(2), for sending SIGTERM to a child (Process.Kill only sends SIGKILL).</summary>
internal static partial class SignalNative
{
    public const int SigTerm = 15;

    public const int SigInt = 2;

    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
