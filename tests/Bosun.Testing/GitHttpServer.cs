using System.Diagnostics;
using System.Net;
using System.Text;

namespace Bosun.Testing;

/// <summary>
/// A private git server over smart HTTP on 127.0.0.1: git's own <c>git http-backend</c> run as a CGI program for each
/// request, behind HTTP Basic authentication with one user and token, serving the bare repositories in a folder
/// (<c>{BaseUrl}/NAME.git</c>). What a pull step's <c>git_clone</c> with credentials meets at a real git host.
/// </summary>
public sealed class GitHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly string _expectedAuthorization;
    private readonly string _backend;

    /// <summary>Serves the bare repositories directly in <paramref name="root"/> to <paramref name="user"/> with <paramref name="token"/>.</summary>
    public GitHttpServer(string root, string user, string token)
    {
        _root = root;
        _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}"));
        _backend = Path.Combine(GitExecPath(), "git-http-backend");
        if (!File.Exists(_backend))
        {
            throw new InvalidOperationException($"git-http-backend not found at {_backend}: the git package provides it.");
        }

        BaseUrl = $"http://127.0.0.1:{StablePorts.Next()}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    /// <summary>Each request's method and path, and whether it carried the right credentials.</summary>
    public List<(string Request, bool Authorized)> Requests { get; } = [];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var authorized = request.Headers["Authorization"] == _expectedAuthorization;
        lock (Requests)
        {
            Requests.Add(($"{request.HttpMethod} {request.Url!.AbsolutePath}", authorized));
        }

        try
        {
            if (!authorized)
            {
                context.Response.StatusCode = 401;
                context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"bosun-test-git\"");
                context.Response.Close();
                return;
            }

            await RunBackendAsync(context);
        }
        catch (Exception ex) when (ex is IOException or HttpListenerException or InvalidOperationException)
        {
            try
            {
                context.Response.StatusCode = 500;
                context.Response.Close();
            }
            catch (Exception closing) when (closing is InvalidOperationException or HttpListenerException or ObjectDisposedException)
            {
                // The answer had started; the client sees a broken transfer.
            }
        }
    }

    /// <summary>One CGI exchange with git http-backend: the request as environment and standard input, its output as the answer.</summary>
    private async Task RunBackendAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var info = new ProcessStartInfo(_backend)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["GIT_PROJECT_ROOT"] = _root;
        info.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        info.Environment["PATH_INFO"] = request.Url!.AbsolutePath;
        info.Environment["REQUEST_METHOD"] = request.HttpMethod;
        info.Environment["QUERY_STRING"] = request.Url.Query.TrimStart('?');
        info.Environment["REMOTE_USER"] = "bosun-test";
        info.Environment["REMOTE_ADDR"] = "127.0.0.1";
        if (request.ContentType is { } type)
        {
            info.Environment["CONTENT_TYPE"] = type;
        }

        if (request.Headers["Content-Encoding"] is { } encoding)
        {
            info.Environment["HTTP_CONTENT_ENCODING"] = encoding;
        }

        if (request.Headers["Git-Protocol"] is { } protocol)
        {
            info.Environment["GIT_PROTOCOL"] = protocol;
        }

        using var backend = Process.Start(info)!;
        var output = new MemoryStream();
        var reading = backend.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = backend.StandardError.ReadToEndAsync();
        if (request.HasEntityBody)
        {
            await request.InputStream.CopyToAsync(backend.StandardInput.BaseStream);
        }

        backend.StandardInput.Close();
        await reading;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await backend.WaitForExitAsync(timeout.Token);
        _ = await errors;

        // CGI: header lines, an empty line, the body.
        var bytes = output.ToArray();
        var (headerEnd, separator) = HeaderEnd(bytes);
        var headers = Encoding.ASCII.GetString(bytes, 0, headerEnd).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var response = context.Response;
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (header[..colon].Trim(), header[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = value;
            }
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.AddHeader(name, value);
            }
        }

        var bodyStart = headerEnd + separator;
        response.ContentLength64 = bytes.Length - bodyStart;
        await response.OutputStream.WriteAsync(bytes.AsMemory(bodyStart));
        response.Close();
    }

    private static (int End, int SeparatorLength) HeaderEnd(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length - 1; i++)
        {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n')
            {
                return (i, 2);
            }

            if (i < bytes.Length - 3 && bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return (i, 4);
            }
        }

        throw new InvalidOperationException("git http-backend wrote no CGI header");
    }

    private static string GitExecPath()
    {
        var info = new ProcessStartInfo("git", "--exec-path") { UseShellExecute = false, RedirectStandardOutput = true };
        using var git = Process.Start(info)!;
        var path = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return path;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
