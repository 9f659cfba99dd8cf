// An OpenAI-compatible gateway over LlmRouter, in-process in an ASP.NET Core app: point any OpenAI SDK (.NET, Python,
// Node) at the printed base URL with the demo key. Two simulated deployments stand in for providers, so it runs with no
// API keys; the primary fails every fourth call, and the dashboard shows the fallbacks as they happen.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

WebApplication app = Gateway.GatewayApp.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
{
    string root = app.Urls.First().TrimEnd('/');
    Console.WriteLine($"LlmRouter gateway listening on {root}");
    Console.WriteLine($"  OpenAI base URL: {root}/v1");
    Console.WriteLine($"  Demo key:        {Gateway.GatewayApp.DemoKey}");
    Console.WriteLine($"  Dashboard:       {root}/llmrouter");
    Console.WriteLine($"  Health:          {root}/healthz");
    Console.WriteLine($"  Try: curl {root}/v1/chat/completions -H \"Authorization: Bearer {Gateway.GatewayApp.DemoKey}\" " +
        "-H \"Content-Type: application/json\" -d '{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'");
});
app.Run();
