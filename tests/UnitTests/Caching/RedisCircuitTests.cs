using BlueTokens.Core.Caching;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.UnitTests.Caching;

/// <summary>
/// The breaker in front of Redis: closed until three failures in a row, then open for two seconds, then one
/// probe at a time whose outcome closes or reopens it.
/// </summary>
public sealed class RedisCircuitTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly RedisCircuit _circuit;

    public RedisCircuitTests() => _circuit = new RedisCircuit(_time);

    [Fact]
    public void Allow_StaysTrue_WhileFailuresAreFewerThanTheThreshold()
    {
        for (int i = 1; i < RedisCircuit.FailureThreshold; i++)
        {
            _circuit.Failed();
        }

        Assert.True(_circuit.Allow());
        Assert.True(_circuit.Allow());
        Assert.False(_circuit.IsOpen);
    }

    [Fact]
    public void Succeeded_ForgetsEarlierFailures_SoOnlyFailuresInARowOpenIt()
    {
        _circuit.Failed();
        _circuit.Failed();
        _circuit.Succeeded();
        _circuit.Failed();
        _circuit.Failed();

        Assert.True(_circuit.Allow());
        Assert.False(_circuit.IsOpen);
    }

    [Fact]
    public void Allow_IsFalse_ForTheWholeOpenPeriod_AfterThreeFailuresInARow()
    {
        Open();

        Assert.True(_circuit.IsOpen);
        Assert.False(_circuit.Allow());
        _time.Advance(RedisCircuit.OpenFor - TimeSpan.FromTicks(1));
        Assert.True(_circuit.IsOpen);
        Assert.False(_circuit.Allow());
    }

    [Fact]
    public void Allow_LetsOneProbeThrough_OnceTheOpenPeriodHasPassed()
    {
        Open();
        _time.Advance(RedisCircuit.OpenFor);

        Assert.False(_circuit.IsOpen);
        Assert.True(_circuit.Allow());
        Assert.False(_circuit.Allow()); // the others skip Redis while the probe is out
        Assert.False(_circuit.Allow());
    }

    [Fact]
    public void Succeeded_OfTheProbe_ClosesTheCircuit()
    {
        Open();
        _time.Advance(RedisCircuit.OpenFor);
        Assert.True(_circuit.Allow());

        _circuit.Succeeded();

        Assert.True(_circuit.Allow());
        Assert.True(_circuit.Allow());
        Assert.False(_circuit.IsOpen);
    }

    [Fact]
    public void Failed_OfTheProbe_OpensTheCircuitForAnotherPeriod()
    {
        Open();
        _time.Advance(RedisCircuit.OpenFor);
        Assert.True(_circuit.Allow());

        _circuit.Failed();

        Assert.True(_circuit.IsOpen);
        Assert.False(_circuit.Allow());
        _time.Advance(RedisCircuit.OpenFor - TimeSpan.FromTicks(1));
        Assert.False(_circuit.Allow());
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(_circuit.Allow());
    }

    private void Open()
    {
        for (int i = 0; i < RedisCircuit.FailureThreshold; i++)
        {
            Assert.True(_circuit.Allow());
            _circuit.Failed();
        }
    }
}
