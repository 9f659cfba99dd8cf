namespace LlmRouter;

/// <summary>How an attempt ended, for what its budget reservations settle at when it reported no usage.</summary>
internal enum AttemptEnd
{
    /// <summary>It answered: without usage, it is charged its estimate.</summary>
    Served,

    /// <summary>The provider failed it: without usage, nothing was billed.</summary>
    Failed,

    /// <summary>It was cancelled or abandoned after it started, or lost a hedged race: without usage, it is charged its estimate, as providers bill what they generated.</summary>
    Stopped,
}
