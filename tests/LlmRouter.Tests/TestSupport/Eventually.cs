namespace LlmRouter.Tests;

/// <summary>Waits for work the code under test finishes on a background continuation (a cancelled loser releasing its slot).</summary>
internal static class Eventually
{
    /// <summary>
    /// Polls <paramref name="condition"/> until it holds or ten seconds pass; the caller asserts afterwards, so a condition that
    /// never holds still fails with the assertion's message. The bound is generous because a loaded machine can hold a thread
    /// pool continuation back for a long time; it is never a measure of speed.
    /// </summary>
    public static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    /// <inheritdoc cref="WaitUntilAsync(Func{bool})"/>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        long deadline = Environment.TickCount64 + 10_000;
        while (!await condition() && Environment.TickCount64 < deadline)
        {
            await Task.Delay(1);
        }
    }
}
