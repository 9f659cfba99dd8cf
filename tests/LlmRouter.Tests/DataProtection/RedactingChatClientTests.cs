using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.DataProtection;

public class RedactingChatClientTests
{
    private static readonly ChatMessage[] Original = [new(ChatRole.User, "Write to a@example.com")];

    private static ChatOptions Marked(out RedactedRequest redaction)
    {
        var policy = new DataProtectionPolicy("default", new DataProtectionOptions(), []);
        DataProtectionOutcome outcome = policy.Inspect(Original, DataProtectionAction.Redact);
        redaction = outcome.Redaction!;
        return new ChatOptions { ModelId = "m", AdditionalProperties = new() { [LlmRouterRequestProperties.DataProtection] = outcome, ["user"] = "kept" } };
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NotMarkedForRedaction_PassesThroughUntouched(bool streaming)
    {
        var inner = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("[EMAIL_1]") };
        using var client = new RedactingChatClient(inner);
        var options = new ChatOptions { ModelId = "m" };

        ChatResponse response = await client.CallAsync(streaming, options, messages: Original);

        Assert.Equal("[EMAIL_1]", response.Text);
        Assert.Equal("Write to a@example.com", inner.Calls[0].Messages[0].Text);
        Assert.Null(inner.Calls[0].Options!.AdditionalProperties);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_Marked_SendsRedactedMessagesWithoutTheMarkAndRestoresAPlaceholderSplitAcrossChunks(bool streaming)
    {
        var inner = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Chunks("Sent to ", "[EMAIL_", "1]") };
        using var client = new RedactingChatClient(inner);

        ChatResponse response = await client.CallAsync(streaming, Marked(out RedactedRequest redaction), messages: Original);

        Assert.Equal("Sent to a@example.com", response.Text);
        Assert.Equal("Write to [EMAIL_1]", redaction.Messages[0].Text);
        Assert.Equal("Write to [EMAIL_1]", inner.Calls[0].Messages[0].Text);
        Assert.Equal(["user"], inner.Calls[0].Options!.AdditionalProperties!.Keys);
    }
}
