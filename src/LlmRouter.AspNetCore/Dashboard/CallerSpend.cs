namespace LlmRouter;

/// <summary>The requests the gateway served for one caller and what they cost, since the statistics started.</summary>
/// <remarks>Thread-safe: a decimal has no atomic add, so each caller's total takes its own short lock.</remarks>
internal sealed class CallerSpend
{
    private readonly Lock _lock = new();
    private decimal _costUsd;
    private long _requests;

    public (decimal CostUsd, long Requests) Read()
    {
        lock (_lock)
        {
            return (_costUsd, _requests);
        }
    }

    public void Add(decimal costUsd)
    {
        lock (_lock)
        {
            _costUsd += costUsd;
            _requests++;
        }
    }
}
