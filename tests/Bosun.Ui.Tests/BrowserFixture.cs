using Microsoft.Playwright;

namespace Bosun.Ui.Tests;

/// <summary>
/// One headless Debian Chromium for all UI tests, driven by Playwright without any browser download
/// (ExecutablePath, and the launch flags below that keep Chromium off the network).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] LaunchArguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync",
        // Without this rule Chromium looks up Google hosts on its own; the EXCLUDEs keep the test server reachable.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    ];

    private IPlaywright? _playwright;

    /// <summary>The browser, or null when Chromium is not installed (see <see cref="MissingReason"/>).</summary>
    public IBrowser? Browser { get; private set; }

    public string? MissingReason { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            MissingReason = $"Chromium is not installed at {ChromiumPath}; run scripts/ci-setup/30-chromium.sh (apt-get install chromium).";
            return;
        }

        // Auto-waiting assertions, not sleeps: a shared 2-core machine needs more than Playwright's default 5 s.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = LaunchArguments,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
