namespace LlmRouter;

/// <summary>
/// Reads a whole response body and fails with a <see cref="ResponseTooLargeException"/> on the read that goes past the limit,
/// so a body that never ends (or is far larger than any answer) is not buffered whole by the JSON reader.
/// </summary>
/// <remarks>One reader at a time; disposing it disposes the inner stream.</remarks>
internal sealed class BoundedReadStream(Stream inner, int maxBytes) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Counted(int read)
    {
        _read += read;
        if (_read > maxBytes)
        {
            throw new ResponseTooLargeException("the response body", maxBytes);
        }

        return read;
    }
}
