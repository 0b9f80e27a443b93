namespace Bosun.Cli;

/// <summary>A user-facing failure: its message is printed as one line and the command exits with code 1.</summary>
internal sealed class CliException(string message, Exception? innerException = null) : Exception(message, innerException);
