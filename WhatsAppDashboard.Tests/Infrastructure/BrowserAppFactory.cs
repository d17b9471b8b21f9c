using Microsoft.Playwright;

namespace WhatsAppDashboard.Tests.Infrastructure;

/// <summary>
/// The app served by Kestrel on a real loopback port, plus a headless Debian Chromium driven by Playwright.
/// Open for subclasses that need other settings (through <see cref="AppFactory.ExtraSettings"/>), e.g. a browser
/// test with the dispatcher on.
/// </summary>
public class BrowserAppFactory : KestrelAppFactory
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Playwright cannot download its own browsers here; Debian's chromium is installed by test.sh / CI.
            ExecutablePath = Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>
    /// Runs a browser scenario in a fresh context (own cookies); on failure (or always, with WAD_SCREENSHOTS=1)
    /// saves a full-page screenshot under WhatsAppDashboard.Tests/TestResults/screenshots/.
    /// </summary>
    public async Task RunAsync(string scenario, Func<IPage, Task> steps, int width = 1280, int height = 800)
    {
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, message) => errors.Add(message);
        try
        {
            await steps(page);
            errors.Should().BeEmpty("the page's scripts should run without errors");
            if (Environment.GetEnvironmentVariable("WAD_SCREENSHOTS") == "1")
                await SaveScreenshotAsync(page, scenario);
        }
        catch
        {
            await SaveScreenshotAsync(page, scenario);
            throw;
        }
    }

    private static async Task SaveScreenshotAsync(IPage page, string scenario)
    {
        var folder = Path.Combine(ProjectDirectory(), "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, scenario + ".png"), FullPage = true });
    }

    private static string ProjectDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WhatsAppDashboard.Tests.csproj")))
            directory = directory.Parent;
        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
