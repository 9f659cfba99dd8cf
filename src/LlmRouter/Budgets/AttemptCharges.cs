namespace LlmRouter;

/// <summary>The budget reservations one attempt holds until it ends, and its estimated cost.</summary>
internal sealed class AttemptCharges
{
    private readonly BudgetReservation[] _reservations;

    public AttemptCharges(IBudgetLedger ledger, int capacity, decimal estimateUsd)
    {
        Ledger = ledger;
        EstimateUsd = estimateUsd;
        _reservations = new BudgetReservation[capacity];
    }

    public IBudgetLedger Ledger { get; }

    /// <summary>Gets the attempt's estimated cost, charged when it ends without reporting usage.</summary>
    public decimal EstimateUsd { get; }

    public int Count { get; private set; }

    /// <summary>Gets how many reservations the charges can hold: the budgets that may apply.</summary>
    public int Capacity => _reservations.Length;

    public ReadOnlySpan<BudgetReservation> Reservations => _reservations.AsSpan(0, Count);

    public void Add(BudgetReservation reservation) => _reservations[Count++] = reservation;
}
