namespace LlmRouter;

/// <summary>In-place reorderings the built-in strategies share; none allocates.</summary>
internal static class CandidateOrder
{
    /// <summary>Up to this many candidates, keys live on the stack.</summary>
    public const int StackLimit = 128;

    /// <summary>Sorts <paramref name="candidates"/> by ascending <paramref name="keys"/>, keeping the order of equal keys (insertion sort: routes are short).</summary>
    public static void SortByKey(Span<Deployment> candidates, Span<double> keys)
    {
        for (int i = 1; i < candidates.Length; i++)
        {
            double key = keys[i];
            Deployment deployment = candidates[i];
            int j = i - 1;
            while (j >= 0 && keys[j] > key)
            {
                keys[j + 1] = keys[j];
                candidates[j + 1] = candidates[j];
                j--;
            }

            keys[j + 1] = key;
            candidates[j + 1] = deployment;
        }
    }

    /// <summary>Rotates left by <paramref name="offset"/>: the element at <paramref name="offset"/> becomes the first.</summary>
    public static void Rotate<T>(Span<T> items, int offset)
    {
        if (offset <= 0 || offset >= items.Length)
        {
            return;
        }

        items[..offset].Reverse();
        items[offset..].Reverse();
        items.Reverse();
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
}
