namespace Bosun.Server.Orchestration;

/// <summary>Log lines were written, or a run ended: log followers read again.</summary>
internal sealed class LogSignal : ChangeSignal;
