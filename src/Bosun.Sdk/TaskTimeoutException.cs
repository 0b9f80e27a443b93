namespace Bosun.Sdk;

/// <summary>An attempt ran past its task's timeout; the caller sees a <see cref="TimeoutException"/> once no retry is left.</summary>
internal sealed class TaskTimeoutException(string message) : Exception(message);
