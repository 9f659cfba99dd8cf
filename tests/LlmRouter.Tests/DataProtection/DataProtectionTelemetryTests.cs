using System.Diagnostics;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.DataProtection;

/// <summary>What telemetry records of a request with sensitive data: the action and counts by kind, and redacted content only.</summary>
public class DataProtectionTelemetryTests
{
    private const string Email = "jane+news@example.com";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_SensitiveDataCaptureOn_SpanHasCountsAndRedactedContentOnly(bool streaming)
    {
        ScriptedChatClient cloud = new("fake") { DefaultOutcome = ScriptedOutcome.Chunks("Wrote to [EMAIL_1]", " and [EMAIL_1].") };
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("cloud", cloud)
            .AddRoute("chat", r => { r.Deployments = ["cloud"]; r.DataProtection = new DataProtectionOptions { Action = DataProtectionAction.Redact }; })
            .ConfigureTelemetry(t => t.EnableSensitiveData = true)
            .Build();
        using var capture = new TelemetryCapture(router);

        ChatResponse response = await router.CallAsync(streaming, messages: [new(ChatRole.User, $"Mail {Email} and {Email}, card 4111111111111111.")]);

        Assert.Equal($"Wrote to {Email} and {Email}.", response.Text);
        Activity request = capture.Span("chat chat");
        Assert.Equal("Redact", request.GetTagItem("llmrouter.data_protection.action"));
        Assert.Equal("Email=2,Card=1", request.GetTagItem("llmrouter.data_protection.found"));
        string input = Assert.IsType<string>(request.GetTagItem("gen_ai.input.messages"));
        string output = Assert.IsType<string>(request.GetTagItem("gen_ai.output.messages"));
        Assert.Contains("Mail [EMAIL_1] and [EMAIL_1], card [CARD_1].", input, StringComparison.Ordinal);
        Assert.Contains("Wrote to [EMAIL_1] and [EMAIL_1].", output, StringComparison.Ordinal);
        Assert.DoesNotContain("jane", input + output, StringComparison.Ordinal);
        Assert.Equal(
            [("Email", 2L), ("Card", 1L)],
            capture.Metric<long>("llmrouter.data_protection.findings").Select(m => ((string)m.Tags["llmrouter.data_protection.kind"]!, m.Value)));
        Assert.All(capture.Metric<long>("llmrouter.data_protection.findings"), m => Assert.Equal("Redact", m.Tags["llmrouter.data_protection.action"]));
    }
}
