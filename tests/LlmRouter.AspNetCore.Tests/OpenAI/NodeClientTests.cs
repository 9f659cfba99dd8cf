using System.Diagnostics;
using System.Text.Json;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

/// <summary>
/// The official <c>openai</c> npm package, driven by a small Node script (tests/LlmRouter.AspNetCore.Tests/Node), against
/// the gateway on a loopback port: what a Node service beside the .NET one sees. The test installs the locked package
/// with <c>npm ci</c> in that folder when it is missing.
/// </summary>
public class NodeClientTests
{
    [RequiresProgramsFact("node", "npm")]
    public async Task OpenAINpmPackage_CompletesStreamsListsModelsAndSees401()
    {
        string folder = Path.Combine(ExternalPrograms.RepositoryRoot, "tests", "LlmRouter.AspNetCore.Tests", "Node");
        await InstallPackageAsync(folder);
        using var primary = new ScriptedChatClient();
        using var backup = new ScriptedChatClient();
        primary.Enqueue(ScriptedOutcome.Text("hello from node").WithUsage(3, 2), ScriptedOutcome.Chunks("str", "eamed").WithUsage(4, 2));
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup);

        var start = new ProcessStartInfo(ExternalPrograms.Require("node"), "client.mjs")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["GATEWAY_BASE_URL"] = host.ApiUri.ToString();
        start.Environment["GATEWAY_API_KEY"] = GatewayHost.Key;
        using Process node = Process.Start(start)!;
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
            }
        }

        Assert.True(node.ExitCode == 0, $"node exited with {node.ExitCode}: {await errors}");
        JsonElement seen = JsonDocument.Parse(await output).RootElement;
        Assert.Equal("hello from node", seen.GetProperty("text").GetString());
        Assert.Equal("primary", seen.GetProperty("deployment").GetString());
        Assert.Equal("fast", seen.GetProperty("llmrouter").GetProperty("route").GetString());
        Assert.Equal("streamed", seen.GetProperty("streamed").GetString());
        Assert.Equal("stop", seen.GetProperty("finish").GetString());
        Assert.Equal(4, seen.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("primary", seen.GetProperty("streamRouter").GetProperty("deployment").GetString());
        Assert.Equal(401, seen.GetProperty("unauthorized").GetProperty("status").GetInt32());
        Assert.Equal(["fast", "smart", "model-a", "model-b"], seen.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
    }

    /// <summary>Installs the locked npm packages (<c>npm ci</c>) when they are missing, so that <c>dotnet test</c> alone suffices.</summary>
    private static async Task InstallPackageAsync(string folder)
    {
        if (Directory.Exists(Path.Combine(folder, "node_modules", "openai")))
        {
            return;
        }

        var start = new ProcessStartInfo(ExternalPrograms.Require("npm"), "ci --no-audit --no-fund")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process npm = Process.Start(start)!;
        Task<string> output = npm.StandardOutput.ReadToEndAsync();
        Task<string> errors = npm.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await npm.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            npm.Kill(entireProcessTree: true);
            throw new TimeoutException($"'npm ci' in {folder} did not finish within 3 minutes.");
        }

        Assert.True(npm.ExitCode == 0, $"'npm ci' in {folder} failed ({npm.ExitCode}): {await output}{await errors}");
    }
}
