using System.Globalization;
using System.Net.Http.Json;
using LlmRouter.AspNetCore.Tests.TestSupport;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace LlmRouter.AspNetCore.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: Debian's chromium, headless, driven by chromium-driver through Selenium, while a
/// background load with failures runs through the gateway. The screenshot is kept under artifacts/ for CI.
/// </summary>
public class DashboardBrowserTests
{
    [RequiresProgramsFact("chromium", "chromedriver")]
    public async Task Dashboard_UnderLoadWithFailures_ShowsRowsFailureRatesAndCostsThatUpdate()
    {
        await using GatewayHost host = await DashboardEndpointTests.StartAsync();
        using var load = new CancellationTokenSource();
        Task traffic = RunLoadAsync(host, load.Token);
        try
        {
            using ChromeDriver browser = StartBrowser();
            browser.Navigate().GoToUrl(new Uri(host.BaseUri, "llmrouter"));
            var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));

            IWebElement primary = wait.Until(d => d.FindElements(By.CssSelector("tr[data-deployment='primary']")).FirstOrDefault());
            Assert.NotNull(browser.FindElement(By.CssSelector("tr[data-deployment='backup']")));
            wait.Until(d => Percent(d.FindElement(By.CssSelector("tr[data-deployment='primary'] .failure-rate")).Text) > 0);
            wait.Until(d => d.FindElements(By.CssSelector("#cost-callers tr[data-caller='team-a'] .cost")).Count == 1);
            long before = Requests(browser);
            int refreshes = Refreshes(browser);

            // The page refreshes itself: the counts grow while the load runs, with no reload.
            wait.Until(d => Refreshes(d) > refreshes && Requests(d) > before);

            double failureRate = Percent(browser.FindElement(By.CssSelector("tr[data-deployment='primary'] .failure-rate")).Text);
            Assert.InRange(failureRate, 20, 50);
            string cost = browser.FindElement(By.CssSelector("#cost-routes tr[data-route='fast'] .cost")).Text;
            Assert.StartsWith("$", cost, StringComparison.Ordinal);
            Assert.True(decimal.Parse(cost[1..], CultureInfo.InvariantCulture) > 0);
            Assert.NotEmpty(browser.FindElements(By.CssSelector("tr[data-deployment='primary'] svg.spark polyline")));
            Assert.NotEmpty(browser.FindElements(By.CssSelector("#fallbacks tr[data-reason]")));

            string artifacts = Path.Combine(ExternalPrograms.RepositoryRoot, "artifacts");
            Directory.CreateDirectory(artifacts);
            string screenshot = Path.Combine(artifacts, "dashboard.png");
            browser.GetScreenshot().SaveAsFile(screenshot);
            Assert.True(new FileInfo(screenshot).Length > 10_000);
        }
        finally
        {
            await load.CancelAsync();
            await traffic;
        }
    }

    private static ChromeDriver StartBrowser()
    {
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ExternalPrograms.Require("chromedriver"))!, "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ExternalPrograms.Require("chromium") };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>Sends a request every 50 ms until cancelled; every third call of the primary fails over to the backup.</summary>
    private static async Task RunLoadAsync(GatewayHost host, CancellationToken cancellationToken)
    {
        using HttpClient http = host.Http();
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await pace.WaitForNextTickAsync(cancellationToken))
            {
                using HttpResponseMessage response = await http.PostAsync("v1/chat/completions",
                    JsonContent.Create(new { model = "fast", messages = new[] { new { role = "user", content = "Hi" } } }), cancellationToken);
                response.EnsureSuccessStatusCode();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static double Percent(string text) =>
        double.Parse(text.Replace("%", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);

    private static long Requests(IWebDriver browser) =>
        long.Parse(browser.FindElement(By.CssSelector("tr[data-deployment='primary'] .requests")).Text, CultureInfo.InvariantCulture);

    private static int Refreshes(IWebDriver browser) =>
        int.Parse(browser.FindElement(By.Id("status")).GetAttribute("data-refreshes") ?? "0", CultureInfo.InvariantCulture);
}
