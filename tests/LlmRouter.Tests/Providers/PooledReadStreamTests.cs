using System.Buffers;
using System.Text;

namespace LlmRouter.Tests.Providers;

public sealed class PooledReadStreamTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task ReadAsync_ManyEventsEachUnderTheLimit_ReadsThemAll(string newline)
    {
        string @event = "data: " + new string('x', 80) + newline + newline;
        string text = string.Concat(Enumerable.Repeat(@event, 500));
        using var stream = new PooledReadStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), maxEventBytes: 100);

        string read = await new StreamReader(stream).ReadToEndAsync();

        Assert.Equal(text, read);
    }

    [Theory]
    [InlineData("data: " + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n\n")]
    [InlineData("data: 0123456789\ndata: 0123456789\ndata: 0123456789\ndata: 0123456789\ndata: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n")]
    [InlineData("data: 0123456789\r\ndata: 0123456789\r\ndata: 0123456789\r\ndata: 0123456789\r\ndata: 0123456789\r\ndata: 0123456789\r\n\r\n")]
    public async Task ReadAsync_EventPastTheLimit_ThrowsBeforeHandingItOver(string text)
    {
        using var stream = new PooledReadStream(new MemoryStream(Encoding.UTF8.GetBytes("data: ok\n\n" + text)), maxEventBytes: 100);

        ResponseTooLargeException error = await Assert.ThrowsAsync<ResponseTooLargeException>(() => new StreamReader(stream).ReadToEndAsync());

        Assert.Equal(100, error.Limit);
        Assert.Equal("a server-sent event", error.What);
    }

    [Fact]
    public async Task ReadAsync_EventSplitAcrossReads_IsCountedWhole()
    {
        // 10-byte reads: the event's lines and its CR LF pairs arrive in pieces.
        byte[] bytes = Encoding.UTF8.GetBytes("data: 0123456789\r\ndata: 0123456789\r\n\r\n" + "data: " + new string('y', 200) + "\n\n");
        using var stream = new PooledReadStream(new TrickleStream(bytes, 10), maxEventBytes: 64);
        var buffer = new byte[1024];

        int total = 0;
        Exception? error = await Record.ExceptionAsync(async () =>
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
        });

        Assert.IsType<ResponseTooLargeException>(error);
        Assert.InRange(total, 38, 38 + 64);
    }

    [Fact]
    public async Task Dispose_AfterReading_ReturnsTheBufferToThePoolOnce()
    {
        var pool = new RecordingPool();
        var stream = new PooledReadStream(new MemoryStream(Encoding.UTF8.GetBytes("data: ok\n\n")), 1024, pool);
        await new StreamReader(stream).ReadToEndAsync();

        stream.Dispose();
        stream.Dispose();

        Assert.Equal(1, pool.Rented);
        Assert.Equal(1, pool.Returned);
    }

    [Fact]
    public async Task Dispose_WhileAReadWaits_DropsTheBufferInsteadOfReturningIt()
    {
        var pool = new RecordingPool();
        var inner = new PendingStream();
        var stream = new PooledReadStream(inner, 1024, pool);
        ValueTask<int> pending = stream.ReadAsync(new byte[16]);
        await inner.ReadStarted.Task.WaitAsync(ProviderTestClients.Guard());

        stream.Dispose();
        inner.Complete(Encoding.UTF8.GetBytes("data: late\n\n"));
        await pending;

        // The socket was still writing into the buffer: returning it would hand it to another renter mid-write.
        Assert.Equal(0, pool.Returned);
    }

    /// <summary>Returns at most a few bytes per read.</summary>
    private sealed class TrickleStream(byte[] bytes, int step) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], cancellationToken);
    }

    /// <summary>A stream whose first read waits until <see cref="Complete"/> fills the buffer it was given.</summary>
    private sealed class PendingStream : MemoryStream
    {
        private readonly TaskCompletionSource<byte[]> _data = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(byte[] data) => _data.SetResult(data);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ReadStarted.TrySetResult();
            byte[] data = await _data.Task;
            int count = Math.Min(data.Length, buffer.Length);
            data.AsSpan(0, count).CopyTo(buffer.Span);
            return count;
        }
    }

    private sealed class RecordingPool : ArrayPool<byte>
    {
        public int Rented { get; private set; }

        public int Returned { get; private set; }

        public override byte[] Rent(int minimumLength)
        {
            Rented++;
            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false) => Returned++;
    }
}
