namespace LlmRouter;

/// <summary>A chat completions request body that cannot be served as it is: the field at fault and what would be valid.</summary>
internal sealed class OpenAIRequestException : Exception
{
    public OpenAIRequestException(string param, string message)
        : base(message)
    {
        Param = param;
    }

    /// <summary>Gets the path of the field at fault, such as <c>messages[2].content</c>.</summary>
    public string Param { get; }
}
