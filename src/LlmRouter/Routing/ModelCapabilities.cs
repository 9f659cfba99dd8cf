namespace LlmRouter;

/// <summary>What a deployment's model can do; a request that needs a capability goes only to deployments that have it.</summary>
[Flags]
public enum ModelCapabilities
{
    /// <summary>Plain text chat only.</summary>
    None = 0,

    /// <summary>Function (tool) calling.</summary>
    Tools = 1,

    /// <summary>Image input.</summary>
    Vision = 2,

    /// <summary>Structured output that follows a JSON schema.</summary>
    JsonSchema = 4,

    /// <summary>Reasoning (thinking) before answering.</summary>
    Reasoning = 8,

    /// <summary>Streamed responses.</summary>
    Streaming = 16,
}
