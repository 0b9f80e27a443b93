using System.Text.RegularExpressions;
using Bosun.Client;
using Bosun.Contracts.Security;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Bosun.Ui.Tests;

/// <summary>
/// One test's world: a real Bosun server on 127.0.0.1 (UI and API in one process), a fresh browser context at
/// 1280×800, and the page's console errors, which <see cref="AssertNoBrowserErrors"/> turns into a failure (a broken
/// circuit shows up there first).
/// </summary>
public sealed class UiSession : IAsyncDisposable
{
    public static readonly string ScreenshotFolder = Path.Combine(RepoPaths.Root, "artifacts", "ui-screenshots");

    /// <summary>The session cookie's name (Bosun.Server's UiSessions.CookieName).</summary>
    public const string SessionCookie = "bosun_session";

    private readonly List<string> _browserErrors = [];
    private readonly ITestOutputHelper _output;
    private BosunClient? _admin;

    private UiSession(TestServer server, IBrowserContext context, IPage page, ITestOutputHelper output)
    {
        Server = server;
        Context = context;
        Page = page;
        _output = output;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_browserErrors)
                {
                    _browserErrors.Add($"{message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_browserErrors)
            {
                _browserErrors.Add(error);
            }
        };
    }

    public TestServer Server { get; }

    public BosunClient Client => Server.Client;

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>A client with the admin key, after <see cref="EnableAuthAsync"/>.</summary>
    public BosunClient Admin => _admin ?? throw new InvalidOperationException("Call EnableAuthAsync first.");

    /// <summary>The admin key, after <see cref="EnableAuthAsync"/>.</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>Creates the first API key, an admin's: from then on the server (API and UI) requires keys.</summary>
    public async Task<BosunClient> EnableAuthAsync()
    {
        var created = await Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin));
        AdminKey = created.Key;
        _admin = Server.NewClient(created.Key);
        return _admin;
    }

    /// <summary>A new key of <paramref name="role"/>, created by the admin.</summary>
    public Task<ApiKeyCreated> CreateKeyAsync(string name, ApiKeyRole role) => Admin.CreateApiKeyAsync(new ApiKeyCreate(name, role));

    /// <summary>On the sign-in page: pastes <paramref name="key"/> and submits.</summary>
    public async Task SubmitKeyAsync(string key)
    {
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Sign in" })).ToBeVisibleAsync();
        await Page.GetByLabel("API key").FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>The session cookie the browser holds for the server, or null.</summary>
    public async Task<BrowserContextCookiesResult?> SessionCookieAsync() =>
        (await Context.CookiesAsync([Server.Server.BaseAddress.ToString()])).SingleOrDefault(cookie => cookie.Name == SessionCookie);

    /// <summary>Starts a server and opens a page, or returns null (printing why) when Chromium is missing outside CI.</summary>
    public static async Task<UiSession?> StartAsync(BrowserFixture browser, ITestOutputHelper output,
        Action<BosunServerOptions>? configure = null, int width = 1280, int height = 800, Action<IServiceCollection>? services = null,
        Action<BrowserNewContextOptions>? context = null)
    {
        if (browser.Browser is null)
        {
            if (TestEnvironment.InCi)
            {
                throw new Xunit.Sdk.XunitException($"UI test cannot run under CI=true: {browser.MissingReason}");
            }

            output.WriteLine($"Not run: {browser.MissingReason}");
            return null;
        }

        var server = await TestServer.StartAsync(configure: configure, services: collection =>
        {
            UiTrace.AddServer(collection);
            services?.Invoke(collection);
        });
        var options = new BrowserNewContextOptions
        {
            BaseURL = server.Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        };
        context?.Invoke(options);
        var browserContext = await browser.Browser.NewContextAsync(options);
        var page = await browserContext.NewPageAsync();
        UiTrace.AddPage(page);
        return new UiSession(server, browserContext, page, output);
    }

    /// <summary>
    /// Opens a UI address (relative, e.g. "work-pools") and waits for the page's heading and its first data, then for its
    /// circuit: prerendered, the page's controls stay disabled until the circuit makes them work.
    /// </summary>
    public async Task OpenAsync(string path, string heading)
    {
        await Page.GotoAsync(path);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = heading })).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("[aria-busy=true]")).ToHaveCountAsync(0);
        await WaitInteractiveAsync();
    }

    /// <summary>Waits until the page is live: its circuit is up (the page's fieldset is no longer disabled).</summary>
    public Task WaitInteractiveAsync() => Assertions.Expect(Page.Locator("#main > fieldset.page:not([disabled])")).ToHaveCountAsync(1);

    /// <summary>Marks the loaded document; <see cref="AssertNotReloadedAsync"/> fails if the page was reloaded since.</summary>
    public Task MarkDocumentAsync() => Page.EvaluateAsync("() => { window.__bosunNotReloaded = true; }");

    public async Task AssertNotReloadedAsync() =>
        Assert.True(await Page.EvaluateAsync<bool>("() => window.__bosunNotReloaded === true"), "the page was reloaded; it should have updated in place");

    /// <summary>Saves a full-page PNG under artifacts/ui-screenshots/.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
    }

    /// <summary>The table row whose data attribute names <paramref name="value"/> (data-pool, data-worker, data-run...).</summary>
    public ILocator Row(string attribute, string value) => Page.Locator($"tr[{attribute}=\"{value}\"]");

    public static Regex Pattern(string pattern) => new(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Fails when the page logged an error or threw (a failed circuit, a missing script).</summary>
    public void AssertNoBrowserErrors()
    {
        lock (_browserErrors)
        {
            Assert.True(_browserErrors.Count == 0, "the browser reported errors:\n" + string.Join("\n", _browserErrors));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _admin?.Dispose();
        await Server.DisposeAsync();
    }
}
