using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Bosun.Ui.Tests;

/// <summary>
/// Diagnostics for a UI test that fails only sometimes: with BOSUN_UI_TRACE=FILE, the test server's debug logs of Blazor,
/// SignalR, data protection, authentication and antiforgery, and the browser's console, navigations, requests and
/// WebSockets, go to FILE with their times. Off (nothing added) without the variable.
/// </summary>
internal static class UiTrace
{
    private static readonly object Gate = new();

    public static string? File => Environment.GetEnvironmentVariable("BOSUN_UI_TRACE");

    public static void Write(string line)
    {
        if (File is { } file)
        {
            lock (Gate)
            {
                System.IO.File.AppendAllText(file, $"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} {line}\n");
            }
        }
    }

    public static void AddServer(IServiceCollection services)
    {
        if (File is null)
        {
            return;
        }

        services.AddSingleton<ILoggerProvider, Provider>();
        services.Configure<LoggerFilterOptions>(options =>
        {
            options.MinLevel = LogLevel.Debug;
            options.Rules.Clear();
            options.AddFilter((category, level) => level >= LogLevel.Warning
                || (category ?? "").StartsWith("Microsoft.AspNetCore.Components", StringComparison.Ordinal)
                || (category ?? "").StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal)
                || (category ?? "").StartsWith("Microsoft.AspNetCore.SignalR", StringComparison.Ordinal)
                || (category ?? "").StartsWith("Microsoft.AspNetCore.Http.Connections", StringComparison.Ordinal)
                || (category ?? "").StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal)
                || (category ?? "").StartsWith("Microsoft.AspNetCore.Authentication", StringComparison.Ordinal)
                || (category ?? "").StartsWith("Microsoft.AspNetCore.Antiforgery", StringComparison.Ordinal));
        });
    }

    public static void AddPage(IPage page)
    {
        if (File is null)
        {
            return;
        }

        page.Console += (_, message) => Write($"console.{message.Type}: {message.Text}");
        page.FrameNavigated += (_, frame) => Write($"navigated: {frame.Url}");
        page.Request += (_, request) => Write($"request: {request.Method} {request.Url} ({request.ResourceType})");
        page.Response += (_, response) => Write($"response: {response.Status} {response.Url}");
        page.WebSocket += (_, socket) =>
        {
            Write($"websocket open: {socket.Url}");
            socket.Close += (_, _) => Write($"websocket closed: {socket.Url}");
            socket.SocketError += (_, error) => Write($"websocket error: {error}");
        };
    }

    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Write($"[{logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}
