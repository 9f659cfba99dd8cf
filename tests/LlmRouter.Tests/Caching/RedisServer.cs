using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LlmRouter.Tests.Caching;

/// <summary>
/// A <c>redis-server</c> of the tests' own on a free loopback port, with no persistence; started once for a test class and
/// stopped with it. Ready once the server says it accepts connections, read from its output rather than waited for. On a
/// machine without one, Debian's package is installed first (as root, or with password-less sudo), so that <c>dotnet test</c>
/// alone sets up what it needs.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly string[] Locations = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
    private static readonly SemaphoreSlim Installing = new(1, 1);

    private Process? _process;

    public int Port { get; private set; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    public async Task InitializeAsync()
    {
        Port = FreePort();
        await StartAsync();
    }

    public Task DisposeAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <summary>Kills the server, as a crash would; <see cref="StartAsync"/> starts it again on the same port, empty.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the server on <see cref="Port"/>; returns once it accepts connections.</summary>
    public async Task StartAsync()
    {
        string executable = await FindOrInstallAsync();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"])
        {
            start.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process = process;
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server exited with code {process.ExitCode} before it was ready."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<string> FindOrInstallAsync()
    {
        await Installing.WaitAsync();
        try
        {
            if (Locations.FirstOrDefault(File.Exists) is { } found)
            {
                return found;
            }

            bool root = Environment.UserName == "root";
            string output = await RunAsync(root ? "apt-get" : "sudo", root ? ["-q", "update"] : ["-n", "apt-get", "-q", "update"]);
            output += await RunAsync(root ? "apt-get" : "sudo", root ? ["install", "-y", "-q", "redis-server"] : ["-n", "apt-get", "install", "-y", "-q", "redis-server"]);
            return Locations.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
                "redis-server is not installed and could not be installed; install it with: apt-get install -y redis-server. " + output);
        }
        finally
        {
            Installing.Release();
        }
    }

    private static async Task<string> RunAsync(string command, string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0 ? string.Empty : $"{command} {string.Join(' ', arguments)} failed: {await error}";
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return $"{command} could not be started: {exception.Message}";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
