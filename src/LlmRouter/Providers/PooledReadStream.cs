using System.Buffers;

namespace LlmRouter;

/// <summary>
/// Reads a server-sent event stream through a large pooled buffer, and bounds each event. The SSE parser reads 1 KB at a time;
/// measured over loopback, handing the socket 16 KB reads instead roughly halves the time to read a 200-chunk stream. The
/// parser buffers a whole event before it hands it over, so an event that never ends would grow its buffer without limit:
/// the bytes of the event being read are counted as they pass, and past the limit the read fails with a
/// <see cref="ResponseTooLargeException"/> before the parser sees them.
/// </summary>
/// <remarks>
/// One reader at a time, as streams are. The buffer returns to the pool (the shared one unless given) on dispose, unless a read is still using it
/// (a stream disposed from another thread while a read waits on the socket): then it is dropped for the garbage collector,
/// since a buffer returned while the socket still writes into it would corrupt another renter's data.
/// </remarks>
internal sealed class PooledReadStream(Stream inner, int maxEventBytes, ArrayPool<byte>? pool = null) : Stream
{
    private const int BufferSize = 16 * 1024;

    private readonly ArrayPool<byte> _pool = pool ?? ArrayPool<byte>.Shared;
    private byte[]? _buffer = (pool ?? ArrayPool<byte>.Shared).Rent(BufferSize);
    private int _start;
    private int _end;
    private int _reading;

    // The complete lines of the event being read, the current line so far, and whether the last byte was a CR (a CR LF
    // pair ends one line). An empty line ends the event.
    private long _eventBytes;
    private long _lineBytes;
    private bool _afterCarriageReturn;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        // Marked before the buffer is taken: Dispose takes the buffer first and then looks at the mark (both full fences),
        // so a buffer this read holds is always seen as in use.
        Interlocked.Exchange(ref _reading, 1);
        try
        {
            byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(PooledReadStream));
            if (_start == _end)
            {
                if (destination.Length >= buffer.Length)
                {
                    int read = await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
                    Count(destination.Span[..read]);
                    return read;
                }

                _start = 0;
                _end = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    return 0;
                }

                Count(buffer.AsSpan(0, _end));
            }

            int count = Math.Min(destination.Length, _end - _start);
            buffer.AsSpan(_start, count).CopyTo(destination.Span);
            _start += count;
            return count;
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null && Volatile.Read(ref _reading) == 0)
        {
            _pool.Return(buffer);
        }

        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Counts the bytes of the events in <paramref name="bytes"/>; throws when the event being read grows past the limit.</summary>
    private void Count(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            if (_afterCarriageReturn && !bytes.IsEmpty)
            {
                _afterCarriageReturn = false;
                if (bytes[0] == (byte)'\n')
                {
                    bytes = bytes[1..];
                }
            }

            int end = bytes.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                _lineBytes += bytes.Length;
                Check();
                return;
            }

            _lineBytes += end;
            Check();
            _eventBytes = _lineBytes == 0 ? 0 : _eventBytes + _lineBytes + 1;
            _lineBytes = 0;
            _afterCarriageReturn = bytes[end] == (byte)'\r';
            bytes = bytes[(end + 1)..];
        }
    }

    private void Check()
    {
        if (_eventBytes + _lineBytes > maxEventBytes)
        {
            throw new ResponseTooLargeException("a server-sent event", maxEventBytes);
        }
    }
}
