using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.AI;
using StackExchange.Redis;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The latency a shared state through Redis adds to a request (<c>--shared-state</c>): a redis-server of its own on a free
/// loopback port, then the same request (a router budget and a requests-per-minute limit on the deployment, never reached)
/// without shared state and through Redis, a request with more to take (a caller limit, a caller budget besides the router's,
/// and the deployment's tokens too), and a bare Redis <c>PING</c> for the round trip, each in alternating rounds; prints p50
/// and p99 in microseconds.
/// </summary>
internal static class SharedStateLatency
{
    private const int Rounds = 20;
    private const int CallsPerRound = 500;

    public static async Task RunAsync(TextWriter output)
    {
        int port = FreePort();
        using Process server = StartServer(port);
        try
        {
            await using ConnectionMultiplexer connection = await ConnectWhenReadyAsync(port);
            IDatabase database = connection.GetDatabase();
            IChatClient local = Router(builder => builder);
            IChatClient shared = Router(builder => builder.UseRedis(connection, o => o.KeyPrefix = Prefix()));
            IChatClient sharedBudget = Router(builder => builder.UseRedis(connection, o => o.KeyPrefix = Prefix()), requestsPerMinute: null);
            IChatClient sharedLimit = Router(builder => builder.UseRedis(connection, o => o.KeyPrefix = Prefix()), budget: false);
            IChatClient sharedMore = Router(builder => builder.UseRedis(connection, o => o.KeyPrefix = Prefix()), more: true);
            var messages = new[] { new ChatMessage(ChatRole.User, "Say hello.") };
            var options = new ChatOptions { ModelId = "default", MaxOutputTokens = 100 };
            var callerOptions = new ChatOptions { ModelId = "default", MaxOutputTokens = 100, AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "alice" } };

            var samples = new Dictionary<string, List<double>>
            {
                ["budget and RPM limit, in process"] = [],
                ["budget and RPM limit through Redis"] = [],
                ["budget alone through Redis"] = [],
                ["RPM limit alone through Redis"] = [],
                ["caller limit, two budgets, RPM and TPM through Redis"] = [],
                ["Redis PING (one round trip)"] = [],
            };
            for (int round = 0; round < Rounds; round++)
            {
                await MeasureAsync(samples["budget and RPM limit, in process"], () => local.GetResponseAsync(messages, options));
                await MeasureAsync(samples["budget and RPM limit through Redis"], () => shared.GetResponseAsync(messages, options));
                await MeasureAsync(samples["budget alone through Redis"], () => sharedBudget.GetResponseAsync(messages, options));
                await MeasureAsync(samples["RPM limit alone through Redis"], () => sharedLimit.GetResponseAsync(messages, options));
                await MeasureAsync(samples["caller limit, two budgets, RPM and TPM through Redis"], () => sharedMore.GetResponseAsync(messages, callerOptions));
                await MeasureAsync(samples["Redis PING (one round trip)"], () => database.PingAsync());
            }

            output.WriteLine("| request | p50 | p99 |");
            output.WriteLine("| --- | ---: | ---: |");
            foreach ((string name, List<double> values) in samples)
            {
                values.Sort();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Percentile(values, 0.50):0.0} µs | {Percentile(values, 0.99):0.0} µs |"));
            }
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
        }
    }

    private static string Prefix() => "benchmark:" + Guid.NewGuid().ToString("N") + ":";

    private static IChatClient Router(Func<LlmRouterBuilder, LlmRouterBuilder> share, long? requestsPerMinute = 1_000_000_000, bool budget = true, bool more = false)
    {
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .AddDeployment("primary", new BenchmarkChatClient("Hello!", chunks: 1), d =>
            {
                d.Model = "fake-model";
                d.Price = new ModelPrice(1m, 1m);
                d.RequestsPerMinute = requestsPerMinute;
                d.TokensPerMinute = more ? 1_000_000_000_000 : null;
            })
            .AddRoute("default", r => r.Deployments = ["primary"]);
        if (budget)
        {
            builder.AddBudget("daily", b => b.LimitUsd = 1_000_000m);
        }

        if (more)
        {
            builder
                .AddBudget("per-caller", b => { b.Scope = BudgetScope.Caller; b.LimitUsd = 1_000_000m; })
                .AddRateLimit("per-caller", l => l.RequestsPerMinute = 1_000_000_000);
        }

        return share(builder.WithoutResilience()).Build();
    }

    private static async Task MeasureAsync<T>(List<double> samples, Func<Task<T>> call)
    {
        for (int i = 0; i < CallsPerRound; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await call();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static Process StartServer(int port)
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server could not be started; install it with: apt-get install -y redis-server.");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task<ConnectionMultiplexer> ConnectWhenReadyAsync(int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=false,connectTimeout=1000");
            if (connection.IsConnected || attempt == 50)
            {
                return connection;
            }

            await connection.DisposeAsync();
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
