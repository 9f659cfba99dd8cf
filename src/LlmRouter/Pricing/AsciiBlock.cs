using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmRouter;

/// <summary>
/// 64 characters of text held in vector registers as one byte each: from UTF-16, every character from U+0000 to U+00FE as its
/// own value (ASCII and Latin-1) and every other as 0xFF; from UTF-8, the bytes as they are. The token estimator classifies them
/// into 64-bit masks, one bit per character. One implementation per vector width, so the counting code is written once and the
/// JIT compiles it for the widest width the processor runs.
/// </summary>
internal interface IAsciiBlock<TSelf>
    where TSelf : struct, IAsciiBlock<TSelf>
{
    /// <summary>
    /// Loads the first 64 UTF-16 code units of <paramref name="text"/>; returns a mask of those a block cannot count: the ones
    /// outside U+0000 to U+00FE.
    /// </summary>
    static abstract ulong Load(ReadOnlySpan<char> text, out TSelf block);

    /// <summary>Loads the first 64 bytes of <paramref name="utf8"/>; returns a mask of those a block cannot count: the ones outside ASCII.</summary>
    static abstract ulong Load(ReadOnlySpan<byte> utf8, out TSelf block);

    /// <summary>A bit for each character in [<paramref name="first"/>, <paramref name="first"/> + <paramref name="length"/>).</summary>
    ulong InRange(byte first, byte length);

    /// <summary>A bit for each character equal to <paramref name="value"/>.</summary>
    ulong EqualTo(byte value);

    /// <summary>
    /// A bit for each ASCII character that is not a letter, a digit or whitespace (space, tab, line feed, vertical tab, form
    /// feed, carriage return): punctuation, symbols and control characters, classified in one pass over the vectors.
    /// </summary>
    ulong Other();
}

/// <summary>Shared loading steps of the <see cref="IAsciiBlock{TSelf}"/> implementations.</summary>
internal static class AsciiBlock
{
    public const int Length = 64;

    /// <summary>
    /// The first 64 UTF-16 code units of <paramref name="text"/>, as 16-bit lanes; the caller has checked the length.
    /// Narrowing with saturation keeps ASCII and Latin-1 as they are and turns everything else into 0xFF.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref ushort Start(ReadOnlySpan<char> text) =>
        ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text[..Length]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref byte Start(ReadOnlySpan<byte> utf8) => ref MemoryMarshal.GetReference(utf8[..Length]);

    /// <summary>The lanes of <paramref name="bytes"/> that hold ASCII other than letters, digits and whitespace, as all ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Other(Vector512<byte> bytes) =>
        Vector512.LessThan(bytes, Vector512.Create((byte)0x80))
        & ~(Vector512.LessThan((bytes | Vector512.Create((byte)0x20)) - Vector512.Create((byte)'a'), Vector512.Create((byte)26))
            | Vector512.LessThan(bytes - Vector512.Create((byte)'0'), Vector512.Create((byte)10))
            | Vector512.LessThan(bytes - Vector512.Create((byte)'\t'), Vector512.Create((byte)5))
            | Vector512.Equals(bytes, Vector512.Create((byte)' ')));

    /// <inheritdoc cref="Other(Vector512{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Other(Vector256<byte> bytes) =>
        Vector256.LessThan(bytes, Vector256.Create((byte)0x80))
        & ~(Vector256.LessThan((bytes | Vector256.Create((byte)0x20)) - Vector256.Create((byte)'a'), Vector256.Create((byte)26))
            | Vector256.LessThan(bytes - Vector256.Create((byte)'0'), Vector256.Create((byte)10))
            | Vector256.LessThan(bytes - Vector256.Create((byte)'\t'), Vector256.Create((byte)5))
            | Vector256.Equals(bytes, Vector256.Create((byte)' ')));

    /// <inheritdoc cref="Other(Vector512{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Other(Vector128<byte> bytes) =>
        Vector128.LessThan(bytes, Vector128.Create((byte)0x80))
        & ~(Vector128.LessThan((bytes | Vector128.Create((byte)0x20)) - Vector128.Create((byte)'a'), Vector128.Create((byte)26))
            | Vector128.LessThan(bytes - Vector128.Create((byte)'0'), Vector128.Create((byte)10))
            | Vector128.LessThan(bytes - Vector128.Create((byte)'\t'), Vector128.Create((byte)5))
            | Vector128.Equals(bytes, Vector128.Create((byte)' ')));
}

/// <summary>A block in one 512-bit vector.</summary>
internal readonly struct AsciiBlock512 : IAsciiBlock<AsciiBlock512>
{
    private readonly Vector512<byte> _bytes;

    private AsciiBlock512(Vector512<byte> bytes) => _bytes = bytes;

    public static ulong Load(ReadOnlySpan<char> text, out AsciiBlock512 block)
    {
        ref ushort source = ref AsciiBlock.Start(text);
        block = new AsciiBlock512(Vector512.NarrowWithSaturation(Vector512.LoadUnsafe(ref source), Vector512.LoadUnsafe(ref source, 32)));
        return Vector512.Equals(block._bytes, Vector512<byte>.AllBitsSet).ExtractMostSignificantBits();
    }

    public static ulong Load(ReadOnlySpan<byte> utf8, out AsciiBlock512 block)
    {
        block = new AsciiBlock512(Vector512.LoadUnsafe(ref AsciiBlock.Start(utf8)));
        return block._bytes.ExtractMostSignificantBits();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong InRange(byte first, byte length) =>
        Vector512.LessThan(_bytes - Vector512.Create(first), Vector512.Create(length)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong EqualTo(byte value) => Vector512.Equals(_bytes, Vector512.Create(value)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Other() => AsciiBlock.Other(_bytes).ExtractMostSignificantBits();
}

/// <summary>A block in two 256-bit vectors.</summary>
internal readonly struct AsciiBlock256 : IAsciiBlock<AsciiBlock256>
{
    private readonly Vector256<byte> _low;
    private readonly Vector256<byte> _high;

    private AsciiBlock256(Vector256<byte> low, Vector256<byte> high)
    {
        _low = low;
        _high = high;
    }

    public static ulong Load(ReadOnlySpan<char> text, out AsciiBlock256 block)
    {
        ref ushort source = ref AsciiBlock.Start(text);
        block = new AsciiBlock256(
            Vector256.NarrowWithSaturation(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, 16)),
            Vector256.NarrowWithSaturation(Vector256.LoadUnsafe(ref source, 32), Vector256.LoadUnsafe(ref source, 48)));
        return block.EqualTo(0xFF);
    }

    public static ulong Load(ReadOnlySpan<byte> utf8, out AsciiBlock256 block)
    {
        ref byte source = ref AsciiBlock.Start(utf8);
        block = new AsciiBlock256(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, 32));
        return Bits(block._low, block._high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong InRange(byte first, byte length)
    {
        Vector256<byte> offset = Vector256.Create(first);
        Vector256<byte> limit = Vector256.Create(length);
        return Bits(Vector256.LessThan(_low - offset, limit), Vector256.LessThan(_high - offset, limit));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong EqualTo(byte value)
    {
        Vector256<byte> target = Vector256.Create(value);
        return Bits(Vector256.Equals(_low, target), Vector256.Equals(_high, target));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Other() => Bits(AsciiBlock.Other(_low), AsciiBlock.Other(_high));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bits(Vector256<byte> low, Vector256<byte> high) =>
        low.ExtractMostSignificantBits() | ((ulong)high.ExtractMostSignificantBits() << 32);
}

/// <summary>A block in four 128-bit vectors.</summary>
internal readonly struct AsciiBlock128 : IAsciiBlock<AsciiBlock128>
{
    private readonly Vector128<byte> _b0;
    private readonly Vector128<byte> _b1;
    private readonly Vector128<byte> _b2;
    private readonly Vector128<byte> _b3;

    private AsciiBlock128(Vector128<byte> b0, Vector128<byte> b1, Vector128<byte> b2, Vector128<byte> b3)
    {
        _b0 = b0;
        _b1 = b1;
        _b2 = b2;
        _b3 = b3;
    }

    public static ulong Load(ReadOnlySpan<char> text, out AsciiBlock128 block)
    {
        ref ushort source = ref AsciiBlock.Start(text);
        block = new AsciiBlock128(Narrow(ref source, 0), Narrow(ref source, 16), Narrow(ref source, 32), Narrow(ref source, 48));
        return block.EqualTo(0xFF);
    }

    public static ulong Load(ReadOnlySpan<byte> utf8, out AsciiBlock128 block)
    {
        ref byte source = ref AsciiBlock.Start(utf8);
        block = new AsciiBlock128(
            Vector128.LoadUnsafe(ref source),
            Vector128.LoadUnsafe(ref source, 16),
            Vector128.LoadUnsafe(ref source, 32),
            Vector128.LoadUnsafe(ref source, 48));
        return Bits(block._b0, block._b1, block._b2, block._b3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong InRange(byte first, byte length)
    {
        Vector128<byte> offset = Vector128.Create(first);
        Vector128<byte> limit = Vector128.Create(length);
        return Bits(
            Vector128.LessThan(_b0 - offset, limit),
            Vector128.LessThan(_b1 - offset, limit),
            Vector128.LessThan(_b2 - offset, limit),
            Vector128.LessThan(_b3 - offset, limit));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong EqualTo(byte value)
    {
        Vector128<byte> target = Vector128.Create(value);
        return Bits(Vector128.Equals(_b0, target), Vector128.Equals(_b1, target), Vector128.Equals(_b2, target), Vector128.Equals(_b3, target));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Other() => Bits(AsciiBlock.Other(_b0), AsciiBlock.Other(_b1), AsciiBlock.Other(_b2), AsciiBlock.Other(_b3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Narrow(ref ushort source, nuint offset) =>
        Vector128.NarrowWithSaturation(Vector128.LoadUnsafe(ref source, offset), Vector128.LoadUnsafe(ref source, offset + 8));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bits(Vector128<byte> b0, Vector128<byte> b1, Vector128<byte> b2, Vector128<byte> b3) =>
        b0.ExtractMostSignificantBits()
        | ((ulong)b1.ExtractMostSignificantBits() << 16)
        | ((ulong)b2.ExtractMostSignificantBits() << 32)
        | ((ulong)b3.ExtractMostSignificantBits() << 48);
}
