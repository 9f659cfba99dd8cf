using System.Buffers;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmRouter;

/// <summary>
/// A JSON request body written straight into a pooled buffer with <see cref="Utf8JsonWriter"/>; the buffer goes back
/// to the pool when the content is disposed, which the clients do only after the response is finished with (a buffer grown
/// past 1 MiB is dropped instead).
/// </summary>
internal sealed class JsonRequestContent : HttpContent, IBufferWriter<byte>
{
    private const int InitialSize = 2048;

    // A buffer grown past this for one large request (images, long documents) is left to the garbage collector: returned to
    // the shared pool, it would stay there, one per core, long after the request.
    private const int MaxPooledSize = 1024 * 1024;

    // Request bodies are HTTP payloads, never embedded in HTML, so only what JSON itself requires is escaped.
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private byte[]? _buffer;
    private int _length;

    public JsonRequestContent()
    {
        _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        Headers.TryAddWithoutValidation("Content-Type", "application/json");
    }

    /// <summary>
    /// Creates content holding the JSON <paramref name="write"/> produces from <paramref name="state"/>; the content is
    /// disposed (its buffer returned) if writing throws. Pass a static lambda so no closure is allocated.
    /// </summary>
    public static JsonRequestContent Create<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var content = new JsonRequestContent();
        try
        {
            Utf8JsonWriter writer = content.BeginWriting();
            write(writer, state);
            EndWriting(writer);
            return content;
        }
        catch
        {
            content.Dispose();
            throw;
        }
    }

    /// <summary>Gets the bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>
    /// Returns a writer over this content's buffer, reused per thread: callers write synchronously and call
    /// <see cref="EndWriting"/> before anything else can run on the thread.
    /// </summary>
    public Utf8JsonWriter BeginWriting()
    {
        Utf8JsonWriter? writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(this, WriterOptions);
            t_writer = writer;
        }
        else
        {
            writer.Reset(this);
        }

        return writer;
    }

    public static void EndWriting(Utf8JsonWriter writer)
    {
        writer.Flush();
        writer.Reset();
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_buffer.AsMemory(0, _length)).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).AsTask();

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.Write(_buffer.AsSpan(0, _length));

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            Release(buffer);
        }

        base.Dispose(disposing);
    }

    private void Ensure(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (sizeHint < 1)
        {
            sizeHint = 256;
        }

        if (_buffer.Length - _length >= sizeHint)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + sizeHint));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        Release(_buffer);
        _buffer = larger;
    }

    private static void Release(byte[] buffer)
    {
        if (buffer.Length <= MaxPooledSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
