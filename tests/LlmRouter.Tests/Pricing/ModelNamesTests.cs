namespace LlmRouter.Tests.Pricing;

public sealed class ModelNamesTests
{
    [Theory]
    [InlineData("openai/gpt-6-sol", "gpt-6-sol")]
    [InlineData("accounts/fireworks/models/llama-v3p3-70b-instruct", "llama-v3p3-70b-instruct")]
    [InlineData("gpt-6-sol", "gpt-6-sol")]
    [InlineData("trailing/", "trailing/")]
    public void WithoutPathPrefix_Name_KeepsTheLastSegment(string name, string expected)
    {
        Assert.Equal(expected, ModelNames.WithoutPathPrefix(name).ToString());
    }

    [Theory]
    [InlineData("us.amazon.nova-pro-v1:0", true, "amazon.nova-pro-v1:0")]
    [InlineData("amazon.nova-pro-v1:0", true, "nova-pro-v1:0")]
    [InlineData("global.anthropic.claude-opus-5", true, "anthropic.claude-opus-5")]
    [InlineData("gpt-6.1-sol", false, "gpt-6.1-sol")]
    [InlineData("glm-5.3", false, "glm-5.3")]
    [InlineData("qwen3.7-plus", false, "qwen3.7-plus")]
    [InlineData("a.model", false, "a.model")]
    [InlineData("verylongvendor.model", false, "verylongvendor.model")]
    [InlineData("us.", false, "us.")]
    public void TryRemoveDottedPrefix_Name_RemovesOnlyALettersOnlySegment(string name, bool removed, string expected)
    {
        Assert.Equal(removed, ModelNames.TryRemoveDottedPrefix(name, out ReadOnlySpan<char> rest));
        Assert.Equal(expected, rest.ToString());
    }

    [Theory]
    [InlineData("gpt-4o-mini-2024-07-18", true, "gpt-4o-mini")]
    [InlineData("claude-haiku-4-5-20251001", true, "claude-haiku-4-5")]
    [InlineData("claude-haiku-4-5@20251001", true, "claude-haiku-4-5")]
    [InlineData("deepseek-v4-pro-0813", true, "deepseek-v4-pro")]
    [InlineData("mistral-medium-latest", true, "mistral-medium")]
    [InlineData("gpt-6-sol", false, "gpt-6-sol")]
    [InlineData("model-123", false, "model-123")]
    [InlineData("model-12345", false, "model-12345")]
    [InlineData("-latest", false, "-latest")]
    [InlineData("@1", false, "@1")]
    public void TryRemoveSnapshotSuffix_Name_RemovesDatedSuffixes(string name, bool removed, string expected)
    {
        Assert.Equal(removed, ModelNames.TryRemoveSnapshotSuffix(name, out ReadOnlySpan<char> core));
        Assert.Equal(expected, core.ToString());
    }
}
