using System.Net;
using LlmRouter;
using Microsoft.Extensions.AI;
using Quickstart;

// LlmRouter Quickstart: one IChatClient in front of several deployments, with ordered fallback.
// Without API keys it runs on simulated providers; with OPENAI_API_KEY and/or ANTHROPIC_API_KEY set it calls them.
using IChatClient router = RealProviders.TryBuild(Console.Out) ?? BuildSimulatedRouter();

string[] questions =
[
    "What is the capital of France?",
    "Summarise the plot of Hamlet in one line.",
    "Give me three names for a cat.",
    "What is 17 * 23?",
    "Translate 'good morning' into Spanish.",
    "Name a prime number above 100.",
];

Console.WriteLine("== Non-streaming requests to route 'fast' ==");
for (int i = 0; i < questions.Length; i++)
{
    await AskAsync(i + 1, questions[i]);
}

Console.WriteLine();
Console.WriteLine("== A streamed request to route 'smart' ==");
await StreamAsync("Explain in one sentence why routers fall back.");

Console.WriteLine();
Console.WriteLine("== Mistakes the router reports clearly ==");
await ShowErrorAsync("an unknown route", new ChatOptions { ModelId = "gpt-7" });
await ShowErrorAsync("a route whose deployments all fail", new ChatOptions { ModelId = "broken" });

Console.WriteLine();
SpendTotal spent = router.GetService<IRouterSpend>()!.GetTotal();
Console.WriteLine($"== Spend (IRouterSpend): ${spent.CostUsd:0.#########} over {spent.Calls} costed call(s) ==");

Console.WriteLine();
Console.WriteLine("== Deployment health (IRouterHealth) ==");
foreach (DeploymentHealth deployment in router.GetService<IRouterHealth>()!.GetDeployments())
{
    string state = deployment.IsAvailable ? "available" : $"unavailable: {deployment.UnavailableReason}";
    Console.WriteLine($"   {deployment.Name,-14} circuit {deployment.Circuit,-8} {deployment.SampledFailures}/{deployment.SampledCalls} calls failed, {state}");
}

async Task AskAsync(int number, string question)
{
    try
    {
        ChatResponse response = await router.GetResponseAsync(question, new ChatOptions { ModelId = "fast" });
        Console.WriteLine($"#{number} {question}");
        Console.WriteLine($"   {response.Text}");
        Console.WriteLine($"   {Served(response.AdditionalProperties, response.ModelId)}");
    }
    catch (LlmRouterException exception)
    {
        Console.WriteLine($"#{number} {question}");
        PrintIndented($"failed: {exception.Message}");
    }
}

async Task StreamAsync(string question)
{
    Console.Write("   ");
    ChatResponseUpdate? last = null;
    try
    {
        await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(question, new ChatOptions { ModelId = "smart" }))
        {
            Console.Write(update.Text);
            last = update;
        }
    }
    catch (LlmRouterException exception)
    {
        PrintIndented($"failed: {exception.Message}");
        return;
    }

    Console.WriteLine();
    Console.WriteLine($"   {Served(last?.AdditionalProperties, last?.ModelId)}");
}

async Task ShowErrorAsync(string what, ChatOptions options)
{
    try
    {
        await router.GetResponseAsync("Hello?", options);
    }
    catch (Exception exception) when (exception is ArgumentException or LlmRouterException)
    {
        Console.WriteLine($"-- {what}: {exception.GetType().Name}");
        PrintIndented(exception.Message);
    }
}

static void PrintIndented(string text)
{
    foreach (string line in text.Split(Environment.NewLine))
    {
        Console.WriteLine($"   {line}");
    }
}

static string Served(AdditionalPropertiesDictionary? properties, string? model)
{
    if (properties is null)
    {
        return "(no routing information)";
    }

    string text = $"served by '{properties[LlmRouterProperties.Deployment]}' ({properties[LlmRouterProperties.Provider]}, {model}) " +
        $"on route '{properties[LlmRouterProperties.Route]}' after {properties[LlmRouterProperties.Attempts]} attempt(s)";
    if (properties.TryGetValue(LlmRouterProperties.CostUsd, out object? cost))
    {
        text += $", cost ${cost:0.#########}";
    }

    return properties.TryGetValue(LlmRouterProperties.FallbackReasons, out object? reasons)
        ? $"{text}; earlier attempts failed: {reasons}"
        : text;
}

static IChatClient BuildSimulatedRouter()
{
    Console.WriteLine("No OPENAI_API_KEY or ANTHROPIC_API_KEY set: routing between simulated providers.");
    Console.WriteLine();

    // 'flaky-mini' is cheap but fails some calls; 'steady-large' always answers. The schedule shows, in order:
    // a 503 retried on the same deployment; three 500s that exhaust the retries, then a fallback; a 429 asking for a
    // minute, which the router does not wait out: it falls back at once and skips 'flaky-mini' while it cools down.
    var flaky = new SimulatedChatClient("simulated-openai", "gpt-4o-mini", new Dictionary<int, SimulatedFailure>
    {
        [2] = new(HttpStatusCode.ServiceUnavailable),
        [4] = new(HttpStatusCode.InternalServerError),
        [5] = new(HttpStatusCode.InternalServerError),
        [6] = new(HttpStatusCode.InternalServerError),
        [7] = new(HttpStatusCode.TooManyRequests, RetryAfter: TimeSpan.FromMinutes(1)),
    });
    var steady = new SimulatedChatClient("simulated-anthropic", "claude-haiku-4-5");
    var broken = new SimulatedChatClient("simulated-broken", "broken-model", Enumerable.Range(1, 100).ToDictionary(i => i, _ => new SimulatedFailure(HttpStatusCode.BadGateway)));
    var unauthorized = new SimulatedChatClient("simulated-misconfigured", "other-model", Enumerable.Range(1, 100).ToDictionary(i => i, _ => new SimulatedFailure(HttpStatusCode.Unauthorized)));

    return new LlmRouterBuilder()
        .AddDeployment("flaky-mini", flaky, d => { d.Model = "gpt-4o-mini"; d.Price = new ModelPrice(0.15m, 0.60m); })
        .AddDeployment("steady-large", steady, d => { d.Model = "claude-haiku-4-5"; d.Price = new ModelPrice(1.00m, 5.00m); })
        .AddDeployment("broken", broken)
        .AddDeployment("misconfigured", unauthorized)
        .AddRoute("fast", r => r.Deployments = ["flaky-mini", "steady-large"])
        .AddRoute("smart", r => r.Deployments = ["steady-large", "flaky-mini"])
        .AddRoute("broken", r => r.Deployments = ["broken", "misconfigured"])
        .UseDefaultRoute("fast")
        .Build();
}
