namespace LlmRouter;

/// <summary>
/// The Lua both rate-limit scripts begin with: Redis's clock, and the GCRA check and write of a call's counters (each key
/// holds its bucket's theoretical arrival time in microseconds; a counter refuses when taking its amount would push that
/// time more than a window past now). Checking is apart from writing so a script can check everything before it takes
/// anything.
/// </summary>
internal static class GcraScript
{
    /// <summary>
    /// Defines <c>now</c> (Redis <c>TIME</c> in µs), <c>check_counters(count, base)</c> (counter <c>i</c> is <c>KEYS[i]</c>
    /// with limit, window (µs) and amount at <c>ARGV[base + 3i - 2 .. base + 3i]</c>; returns the new values, or
    /// <see langword="nil"/>, the refusing counter's zero-based index and the wait in µs) and <c>set_counters(next)</c>
    /// (writes them, each key expiring when its bucket would be empty again).
    /// </summary>
    public const string Prelude = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local function check_counters(count, base)
          local next = {}
          for i = 1, count do
            local limit = tonumber(ARGV[base + 3 * i - 2])
            local window = tonumber(ARGV[base + 3 * i - 1])
            local amount = tonumber(ARGV[base + 3 * i])
            local cost = window
            if amount < limit then cost = math.ceil(amount * window / limit) end
            local full = tonumber(redis.call('GET', KEYS[i]) or '0')
            if full < now then full = now end
            local value = full + cost
            if value - now > window then
              return nil, i - 1, value - window - now
            end
            next[i] = value
          end
          return next
        end
        local function set_counters(next)
          for i = 1, #next do
            redis.call('SET', KEYS[i], string.format('%d', next[i]), 'PX', math.ceil((next[i] - now) / 1000) + 1)
          end
        end

        """;
}
