using System.Globalization;

namespace LlmRouter;

/// <summary>
/// One deployment's quality for one route, tier and dimension: a decaying estimate (each score moves it by the policy's
/// sample weight), a baseline decaying by time, and whether the route calls the deployment. Kept across reloads.
/// </summary>
/// <remarks>
/// Scores arrive on the feedback path and take a lock; a request reads only <see cref="Passes"/>, which is lock-free while the
/// deployment is healthy or on probation and, while it is set aside, counts the requests that passed it over with one
/// interlocked decrement. A deployment is set aside when, with enough scores, its estimate falls below
/// <see cref="QualityPolicy.MinQuality"/> or more than <see cref="QualityPolicy.DropTolerance"/> below its baseline; after
/// <see cref="QualityPolicy.ProbationRequests"/> requests it is called again on probation with a fresh estimate, and once that
/// has enough scores it returns to healthy only if it clears each bar by <see cref="QualityPolicy.Hysteresis"/>, else it is set
/// aside again.
/// </remarks>
internal sealed class QualityEstimate
{
    private const int Healthy = (int)QualityStatus.Healthy;
    private const int SetAside = (int)QualityStatus.SetAside;
    private const int Probation = (int)QualityStatus.Probation;

    private readonly Lock _lock = new();
    private volatile QualityPolicy _policy;
    private int _status;
    private int _skipsLeft;
    private double _estimate;
    private int _recentSamples;
    private double _baselineSum;
    private double _baselineWeight;
    private long _baselineAt;
    private long _samples;
    private string? _reason;

    // The estimate once it holds enough scores, else NaN; as bits, so a request reads it without the lock.
    private long _known = BitConverter.DoubleToInt64Bits(double.NaN);

    public QualityEstimate(string deployment, string route, string? tier, string? dimension, QualityPolicy policy)
    {
        Deployment = deployment;
        Route = route;
        Tier = tier;
        Dimension = dimension;
        _policy = policy;
    }

    public string Deployment { get; }

    public string Route { get; }

    public string? Tier { get; }

    public string? Dimension { get; }

    /// <summary>Gets or sets the route's policy; a reload replaces it.</summary>
    public QualityPolicy Policy
    {
        get => _policy;
        set => _policy = value;
    }

    public QualityStatus Status => (QualityStatus)Volatile.Read(ref _status);

    /// <summary>Gets the estimate when it holds enough scores to be judged by, else <see cref="double.NaN"/>. Lock-free.</summary>
    public double Known => BitConverter.Int64BitsToDouble(Volatile.Read(ref _known));

    /// <summary>
    /// Whether a request of the route may call the deployment: yes unless it is set aside. A set-aside deployment counts the
    /// request as one that passed it over; the request after the last of them finds it on probation and calls it.
    /// </summary>
    public bool Passes()
    {
        if (Volatile.Read(ref _status) != SetAside)
        {
            return true;
        }

        if (Interlocked.Decrement(ref _skipsLeft) >= 0)
        {
            return false;
        }

        lock (_lock)
        {
            if (_status == SetAside)
            {
                // Probation: a fresh estimate decides, so the scores that set it aside do not keep it there.
                _status = Probation;
                _recentSamples = 0;
                Volatile.Write(ref _known, BitConverter.DoubleToInt64Bits(double.NaN));
            }
        }

        return true;
    }

    /// <summary>Records a score and judges the estimate; returns the status it moved to, or <see langword="null"/> when it stayed.</summary>
    public QualityStatus? Record(double score, long now)
    {
        lock (_lock)
        {
            QualityPolicy policy = _policy;
            _samples++;
            _estimate = _recentSamples == 0 ? score : _estimate + (policy.SampleWeight * (score - _estimate));
            _recentSamples++;
            if (_recentSamples >= policy.MinimumSamples)
            {
                Volatile.Write(ref _known, BitConverter.DoubleToInt64Bits(_estimate));
            }

            double decay = _baselineWeight == 0 ? 0 : Math.Pow(2, -Math.Max(0, now - _baselineAt) / policy.BaselineHalfLife);
            _baselineSum = (_baselineSum * decay) + score;
            _baselineWeight = (_baselineWeight * decay) + 1;
            _baselineAt = now;

            if (!policy.Judges || _recentSamples < policy.MinimumSamples || _status == SetAside)
            {
                return null;
            }

            double baseline = _baselineSum / _baselineWeight;
            if (_status == Healthy)
            {
                if (policy.MinQuality is { } min && _estimate < min)
                {
                    return Aside(policy, string.Create(CultureInfo.InvariantCulture, $"quality estimate {_estimate:0.###} is below the route's MinQuality of {min:0.###}"));
                }

                if (policy.DropTolerance is { } tolerance && _estimate < baseline * (1 - tolerance))
                {
                    return Aside(policy, string.Create(CultureInfo.InvariantCulture,
                        $"quality estimate {_estimate:0.###} dropped more than {tolerance:0.##%} below its baseline of {baseline:0.###}"));
                }

                return null;
            }

            bool recovered = (policy.MinQuality is not { } bar || _estimate >= bar + policy.Hysteresis)
                && (policy.DropTolerance is not { } drop || _estimate >= (baseline * (1 - drop)) + policy.Hysteresis);
            if (recovered)
            {
                _status = Healthy;
                return QualityStatus.Healthy;
            }

            return Aside(policy, string.Create(CultureInfo.InvariantCulture,
                $"quality estimate {_estimate:0.###} on probation did not clear the route's bar by its hysteresis of {policy.Hysteresis:0.###}"));
        }
    }

    /// <summary>Takes a consistent snapshot, for health reports.</summary>
    public DeploymentQuality Snapshot()
    {
        lock (_lock)
        {
            return new DeploymentQuality
            {
                Route = Route,
                Tier = Tier,
                Dimension = Dimension,
                Estimate = _estimate,
                Baseline = _baselineWeight == 0 ? 0 : _baselineSum / _baselineWeight,
                Samples = _samples,
                RecentSamples = _recentSamples,
                Status = (QualityStatus)_status,
                Reason = _reason,
            };
        }
    }

    /// <summary>Gets why the deployment was set aside, for the request's error; <see langword="null"/> when it never was.</summary>
    public string? Reason
    {
        get
        {
            lock (_lock)
            {
                return _reason;
            }
        }
    }

    private QualityStatus Aside(QualityPolicy policy, string reason)
    {
        _reason = reason;
        Volatile.Write(ref _skipsLeft, policy.ProbationRequests);
        Volatile.Write(ref _status, SetAside);
        return QualityStatus.SetAside;
    }
}
