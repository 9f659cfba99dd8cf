using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LlmRouter.Tests.Caching;

/// <summary>
/// A <c>redis-server</c> of the tests' own on a free loopback port, with no persistence; started once for a test class and
/// stopped with it. Ready once the server says it accepts connections, read from its output rather than waited for.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    public async Task InitializeAsync()
    {
        string executable = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed; install it with: apt-get install -y redis-server (.ci/run does when it is missing).");
        Port = FreePort();
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
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server exited with code {_process.ExitCode} before it was ready."));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
