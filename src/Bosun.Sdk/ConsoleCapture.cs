using System.Text;

namespace Bosun.Sdk;

/// <summary>
/// LogPrints: Console.Out is replaced once by a writer that sends each line written on a capturing async flow to
/// that run's logs (and not to stdout, where a worker would ship it a second time); everything else passes through.
/// Routing by AsyncLocal keeps concurrent in-process runs apart.
/// </summary>
internal sealed class ConsoleCapture : TextWriter
{
    private static readonly Lock InstallLock = new();
    private static ConsoleCapture? _installed;
    private static readonly AsyncLocal<Target?> CurrentTarget = new();

    private readonly TextWriter _original;

    private ConsoleCapture(TextWriter original) => _original = original;

    public override Encoding Encoding => _original.Encoding;

    /// <summary>Captures lines written on this async flow into <paramref name="onLine"/> until disposed.</summary>
    public static IDisposable Begin(Action<string> onLine)
    {
        lock (InstallLock)
        {
            if (_installed is null)
            {
                _installed = new ConsoleCapture(Console.Out);
                Console.SetOut(_installed);
            }
        }

        var previous = CurrentTarget.Value;
        var target = new Target(onLine);
        CurrentTarget.Value = target;
        return new Scope(target, previous);
    }

    public override void Write(char value)
    {
        if (CurrentTarget.Value is { } target)
        {
            target.Append(value);
        }
        else
        {
            _original.Write(value);
        }
    }

    public override void Write(string? value)
    {
        if (CurrentTarget.Value is { } target)
        {
            target.Append(value);
        }
        else
        {
            _original.Write(value);
        }
    }

    public override void WriteLine(string? value)
    {
        if (CurrentTarget.Value is { } target)
        {
            target.Append(value);
            target.Append('\n');
        }
        else
        {
            _original.WriteLine(value);
        }
    }

    public override void Flush() => _original.Flush();

    private sealed class Target(Action<string> onLine)
    {
        private readonly Lock _lock = new();
        private readonly StringBuilder _line = new();

        public void Append(char c)
        {
            lock (_lock)
            {
                AppendLocked(c);
            }
        }

        public void Append(string? text)
        {
            lock (_lock)
            {
                foreach (var c in text ?? "")
                {
                    AppendLocked(c);
                }
            }
        }

        public void FlushPartial()
        {
            lock (_lock)
            {
                if (_line.Length > 0)
                {
                    onLine(_line.ToString());
                    _line.Clear();
                }
            }
        }

        private void AppendLocked(char c)
        {
            if (c == '\n')
            {
                onLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(c);
            }
        }
    }

    private sealed class Scope(Target target, Target? previous) : IDisposable
    {
        public void Dispose()
        {
            target.FlushPartial();
            CurrentTarget.Value = previous;
        }
    }
}
