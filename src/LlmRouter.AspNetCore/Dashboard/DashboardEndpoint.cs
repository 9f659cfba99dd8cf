using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The dashboard: one self-contained HTML page, and the JSON it refreshes from every few seconds (per deployment: circuit,
/// cooldown, in flight, requests, failure rate, p50/p95 latency and time to first chunk over 1, 5 and 15 minutes, and
/// 15 minutes of 10-second counts for sparklines; fallbacks by reason; cost by route, deployment and caller; budgets; cache).
/// </summary>
/// <remarks>Local requests only unless the options say otherwise (as Hangfire's dashboard). Thread-safe.</remarks>
internal sealed class DashboardEndpoint(IChatClient chat, DashboardStatistics statistics, bool localOnly)
{
    private static readonly int[] WindowMinutes = [1, 5, 15];
    private static readonly Lazy<byte[]> Page = new(LoadPage);

    public async Task PageAsync(HttpContext context)
    {
        if (!Allowed(context))
        {
            return;
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";
        await context.Response.Body.WriteAsync(Page.Value, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task StatsAsync(HttpContext context)
    {
        if (!Allowed(context))
        {
            return;
        }

        IRouterHealth health = chat.GetService<IRouterHealth>()!;
        IRouterSpend spend = chat.GetService<IRouterSpend>()!;
        var budgets = new List<BudgetStatus>(await spend.GetBudgetsAsync(null, context.RequestAborted).ConfigureAwait(false));
        foreach (string caller in statistics.Callers.Keys)
        {
            foreach (BudgetStatus budget in await spend.GetBudgetsAsync(caller, context.RequestAborted).ConfigureAwait(false))
            {
                if (budget.Caller is not null)
                {
                    budgets.Add(budget);
                }
            }
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            Write(writer, health, spend, budgets);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private void Write(Utf8JsonWriter writer, IRouterHealth health, IRouterSpend spend, List<BudgetStatus> budgets)
    {
        long now = statistics.Now;
        writer.WriteStartObject();
        writer.WriteString("time"u8, statistics.UtcNow);
        writer.WriteNumber("slot_seconds"u8, SlidingWindow.SlotSeconds);
        writer.WriteStartArray("deployments"u8);
        Span<long> counts = stackalloc long[SlidingWindow.SlotCount];
        Span<long> failures = stackalloc long[SlidingWindow.SlotCount];
        foreach (DeploymentHealth deployment in health.GetDeployments())
        {
            WriteDeployment(writer, deployment, now, counts, failures);
        }

        writer.WriteEndArray();

        writer.WriteStartArray("fallbacks"u8);
        foreach (KeyValuePair<string, SlidingWindow> reason in statistics.Fallbacks)
        {
            writer.WriteStartObject();
            writer.WriteString("reason"u8, reason.Key);
            foreach (int minutes in WindowMinutes)
            {
                writer.WriteNumber(Key(minutes), reason.Value.Read(now, Slots(minutes)).Count);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        SpendTotal total = spend.GetTotal();
        writer.WriteStartObject("cost"u8);
        writer.WriteNumber("total_usd"u8, total.CostUsd);
        writer.WriteNumber("calls"u8, total.Calls);
        WriteTotals(writer, "routes"u8, spend.GetRouteTotals());
        WriteTotals(writer, "deployments"u8, spend.GetDeploymentTotals());
        writer.WriteStartArray("callers"u8);
        foreach (KeyValuePair<string, CallerSpend> caller in statistics.Callers)
        {
            (decimal cost, long requests) = caller.Value.Read();
            writer.WriteStartObject();
            writer.WriteString("name"u8, caller.Key);
            writer.WriteNumber("cost_usd"u8, cost);
            writer.WriteNumber("calls"u8, requests);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();

        writer.WriteStartArray("budgets"u8);
        foreach (BudgetStatus budget in budgets)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, budget.Name);
            writer.WriteString("scope"u8, budget.Scope.ToString());
            writer.WriteString("target"u8, budget.Target ?? budget.Caller);
            writer.WriteString("window"u8, budget.Window.ToString());
            writer.WriteNumber("limit_usd"u8, budget.LimitUsd);
            writer.WriteNumber("spent_usd"u8, budget.SpentUsd);
            writer.WriteNumber("reserved_usd"u8, budget.ReservedUsd);
            writer.WriteNumber("remaining_usd"u8, Math.Max(0m, budget.LimitUsd - budget.SpentUsd - budget.ReservedUsd));
            writer.WriteString("resets_at"u8, budget.ResetsAt);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        (long hits, long misses) = statistics.CacheRequests;
        CacheSavings savings = spend.GetCacheSavings();
        if (hits + misses > 0 || savings.Hits > 0)
        {
            writer.WriteStartObject("cache"u8);
            writer.WriteNumber("hits"u8, hits);
            writer.WriteNumber("misses"u8, misses);
            writer.WriteNumber("hit_rate"u8, hits + misses == 0 ? 0 : hits / (double)(hits + misses));
            writer.WriteNumber("saved_usd"u8, savings.SavedUsd);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("cache"u8);
        }

        writer.WriteEndObject();
    }

    private void WriteDeployment(Utf8JsonWriter writer, DeploymentHealth deployment, long now, Span<long> counts, Span<long> failures)
    {
        writer.WriteStartObject();
        writer.WriteString("name"u8, deployment.Name);
        writer.WriteString("provider"u8, deployment.Provider);
        writer.WriteString("model"u8, deployment.Model);
        writer.WriteString("circuit"u8, deployment.Circuit.ToString());
        writer.WriteBoolean("available"u8, deployment.IsAvailable);
        writer.WriteString("unavailable_reason"u8, deployment.UnavailableReason);
        if (deployment.CooldownUntil is { } cooldown)
        {
            writer.WriteString("cooldown_until"u8, cooldown);
        }
        else
        {
            writer.WriteNull("cooldown_until"u8);
        }

        writer.WriteNumber("in_flight"u8, deployment.InFlight);
        statistics.Deployments.TryGetValue(deployment.Name, out SlidingWindow? window);
        writer.WriteStartObject("windows"u8);
        foreach (int minutes in WindowMinutes)
        {
            writer.WriteStartObject(Key(minutes));
            WindowTotals totals = window?.Read(now, Slots(minutes)) ?? new WindowTotals(latencies: true);
            writer.WriteNumber("requests"u8, totals.Count);
            writer.WriteNumber("failures"u8, totals.Failures);
            writer.WriteNumber("failure_rate"u8, totals.Count == 0 ? 0 : totals.Failures / (double)totals.Count);
            WriteMilliseconds(writer, "p50_ms"u8, SlidingWindow.Percentile(totals.Latency!, 0.50));
            WriteMilliseconds(writer, "p95_ms"u8, SlidingWindow.Percentile(totals.Latency!, 0.95));
            WriteMilliseconds(writer, "ttft_p50_ms"u8, SlidingWindow.Percentile(totals.FirstChunk!, 0.50));
            WriteMilliseconds(writer, "ttft_p95_ms"u8, SlidingWindow.Percentile(totals.FirstChunk!, 0.95));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        window?.Series(now, counts, failures);
        if (window is null)
        {
            counts.Clear();
            failures.Clear();
        }

        writer.WriteStartObject("spark"u8);
        WriteSeries(writer, "requests"u8, counts);
        WriteSeries(writer, "failures"u8, failures);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteTotals(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<SpendTotal> totals)
    {
        writer.WriteStartArray(name);
        foreach (SpendTotal total in totals)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, total.Name);
            writer.WriteNumber("cost_usd"u8, total.CostUsd);
            writer.WriteNumber("calls"u8, total.Calls);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteSeries(Utf8JsonWriter writer, ReadOnlySpan<byte> name, Span<long> values)
    {
        writer.WriteStartArray(name);
        foreach (long value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteMilliseconds(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double? seconds)
    {
        if (seconds is { } value)
        {
            writer.WriteNumber(name, Math.Round(value * 1000, 1));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string Key(int minutes) => minutes.ToString(CultureInfo.InvariantCulture) + "m";

    private static int Slots(int minutes) => minutes * 60 / SlidingWindow.SlotSeconds;

    /// <summary>Refuses (403) a request from another machine when only local requests may see the dashboard.</summary>
    private bool Allowed(HttpContext context)
    {
        if (!localOnly || IsLocal(context.Connection))
        {
            return true;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return false;
    }

    private static bool IsLocal(ConnectionInfo connection) =>
        connection.RemoteIpAddress is not { } remote ||
        IPAddress.IsLoopback(remote) ||
        remote.Equals(connection.LocalIpAddress);

    private static byte[] LoadPage()
    {
        using Stream page = typeof(DashboardEndpoint).Assembly.GetManifestResourceStream("LlmRouter.AspNetCore.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is missing from the LlmRouter.AspNetCore assembly.");
        using var copy = new MemoryStream();
        page.CopyTo(copy);
        return copy.ToArray();
    }
}
