namespace LlmRouter;

/// <summary>In-place reorderings the built-in strategies share; none allocates.</summary>
internal static class CandidateOrder
{
    /// <summary>Up to this many candidates, keys live on the stack.</summary>
    public const int StackLimit = 128;

    /// <summary>
    /// Sorts <paramref name="candidates"/> by ascending <paramref name="keys"/>, equal keys in their original order, and leaves
    /// <paramref name="keys"/> sorted alike. (key, position) pairs are insertion-sorted on the stack, starting from
    /// <paramref name="hint"/>: the order this route's previous request ended with, which usually still holds, so the sort is a
    /// single pass. Then each candidate is moved once: every store of a reference into the heap array costs a GC write barrier.
    /// </summary>
    /// <param name="candidates">The candidates, in route order.</param>
    /// <param name="keys">Their keys, in the same order.</param>
    /// <param name="hint">
    /// The route's last order (positions), read and written without synchronization by concurrent requests. It is copied once
    /// and only the copy is checked and used: a copy torn by a concurrent write is not a permutation and is ignored, so the
    /// hint only ever costs speed, never correctness. It is written back only where it changed, so requests that agree on
    /// the order do not write to memory other cores read. <see langword="null"/> for none.
    /// </param>
    public static void SortByKey(Span<Deployment> candidates, Span<double> keys, int[]? hint = null)
    {
        int count = candidates.Length;
        if (count < 2)
        {
            return;
        }

        Span<Ranked> ranked = count <= StackLimit ? stackalloc Ranked[count] : new Ranked[count];
        bool hintable = hint is not null && hint.Length == count && count <= 64;
        Span<int> previous = hintable ? stackalloc int[count] : default;
        if (hintable)
        {
            hint.AsSpan().CopyTo(previous);
        }

        bool hinted = hintable && IsPermutation(previous);
        for (int i = 0; i < count; i++)
        {
            int position = hinted ? previous[i] : i;
            var item = new Ranked(keys[position], position);
            int j = i - 1;
            while (j >= 0 && ranked[j].After(item))
            {
                ranked[j + 1] = ranked[j];
                j--;
            }

            ranked[j + 1] = item;
        }

        bool identity = true;
        for (int k = 0; k < count; k++)
        {
            identity &= ranked[k].Position == k;
            if (hintable && previous[k] != ranked[k].Position)
            {
                hint![k] = ranked[k].Position;
            }
        }

        if (identity)
        {
            return;
        }

        // Position k receives the element at ranked[k].Position: follow each cycle of the permutation once, marking each
        // position done by complementing its source (no second array).
        for (int start = 0; start < count; start++)
        {
            keys[start] = ranked[start].Key;
            int source = ranked[start].Position;
            if (source < 0 || source == start)
            {
                continue;
            }

            Deployment first = candidates[start];
            int position = start;
            while (true)
            {
                int from = ranked[position].Position;
                ranked[position] = ranked[position] with { Position = ~from };
                if (from == start)
                {
                    candidates[position] = first;
                    break;
                }

                candidates[position] = candidates[from];
                position = from;
            }
        }
    }

    /// <summary>Whether <paramref name="order"/> holds each of 0 … n − 1 once (n ≤ 64: longer routes are not hinted).</summary>
    private static bool IsPermutation(ReadOnlySpan<int> order)
    {
        ulong seen = 0;
        foreach (int position in order)
        {
            if ((uint)position >= (uint)order.Length || (seen & (1UL << position)) != 0)
            {
                return false;
            }

            seen |= 1UL << position;
        }

        return true;
    }

    /// <summary>
    /// Rotates left by <paramref name="offset"/>: the element at <paramref name="offset"/> becomes the first. Moves each element
    /// once (the cycles of the rotation), not three times as reversing would.
    /// </summary>
    public static void Rotate<T>(Span<T> items, int offset)
    {
        int count = items.Length;
        if (offset <= 0 || offset >= count)
        {
            return;
        }

        int cycles = GreatestCommonDivisor(count, offset);
        for (int start = 0; start < cycles; start++)
        {
            T first = items[start];
            int position = start;
            while (true)
            {
                int from = position + offset;
                if (from >= count)
                {
                    from -= count;
                }

                if (from == start)
                {
                    break;
                }

                items[position] = items[from];
                position = from;
            }

            items[position] = first;
        }
    }

    /// <summary>Moves the element at <paramref name="from"/> to <paramref name="to"/> (≤ from), shifting those between one place right.</summary>
    public static void MoveTo(Span<Deployment> candidates, int from, int to)
    {
        Deployment moved = candidates[from];
        for (int k = from; k > to; k--)
        {
            candidates[k] = candidates[k - 1];
        }

        candidates[to] = moved;
    }

    /// <summary>Shuffles <paramref name="items"/> uniformly (Fisher–Yates) with the request's random source.</summary>
    public static void Shuffle(in SelectionContext context, Span<Deployment> items, Span<double> keys)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Draw(context, i + 1);
            (items[i], items[j]) = (items[j], items[i]);
            (keys[i], keys[j]) = (keys[j], keys[i]);
        }
    }

    /// <summary>Draws a whole number in [0, <paramref name="count"/>).</summary>
    public static int Draw(in SelectionContext context, int count)
    {
        int drawn = (int)(context.NextRandom() * count);
        return drawn < 0 ? 0 : drawn >= count ? count - 1 : drawn;
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>A candidate's sort key and its position in route order, which breaks ties.</summary>
    private readonly record struct Ranked(double Key, int Position)
    {
        public bool After(Ranked other) => Key > other.Key || (Key == other.Key && Position > other.Position);
    }
}
