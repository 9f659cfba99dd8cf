using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace LlmRouter.Tests.Samples;

/// <summary>
/// Starts the ASP.NET Core sample with its own appsettings.json on a loopback port and calls it as a user would. Nothing
/// listens where its "local-llama" deployment points on a test machine, so the router falls back to the simulated ones.
/// </summary>
public sealed class WebApiSampleTests : IAsyncLifetime
{
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        // Ollama's port on this machine would be what the sample talks to first; point it at a port nothing listens on.
        string[] args =
        [
            "--contentRoot", SampleDirectory(),
            "--urls", "http://127.0.0.1:0",
            "--LlmRouter:Providers:local:Endpoint", $"http://127.0.0.1:{ClosedPort()}/v1",
            "--Logging:LogLevel:Default", "Warning",
        ];
        _app = WebApi.WebApiApp.Build(args);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Chat_LocalModelDown_AnswersFromTheSimulatedFallback()
    {
        using HttpResponseMessage response = await _http!.PostAsJsonAsync("/chat", new { message = "Hello" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = answer.RootElement;
        Assert.Equal("simulated-primary", root.GetProperty("deployment").GetString());
        Assert.Equal("sim-large", root.GetProperty("model").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("text").GetString()));

        // The local deployment was tried first and refused the connection; the fallback served at once, before any retry.
        Assert.Equal(2, root.GetProperty("attempts").GetInt32());
        Assert.Contains("local-llama", root.GetProperty("fallbackReasons").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_NoMessage_IsABadRequestThatSaysWhatToSet()
    {
        using HttpResponseMessage response = await _http!.PostAsJsonAsync("/chat", new { message = " " });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Set message.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_UnknownRoute_IsABadRequestNamingTheKnownRoutes()
    {
        using HttpResponseMessage response = await _http!.PostAsJsonAsync("/chat", new { message = "Hello", route = "nope" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("backup", body, StringComparison.Ordinal);
        Assert.Contains("default", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ListsEveryDeploymentFromConfigurationAndCode()
    {
        using HttpResponseMessage response = await _http!.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(
            ["local-llama", "simulated-backup", "simulated-primary"],
            health.RootElement.EnumerateArray().Select(d => d.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    private static string SampleDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string sample = Path.Combine(directory.FullName, "samples", "WebApi");
            if (File.Exists(Path.Combine(sample, "appsettings.json")))
            {
                return sample;
            }
        }

        throw new InvalidOperationException($"samples/WebApi/appsettings.json not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>A loopback port nothing listens on: one the system just handed out and that was closed again.</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
