using BlueTokens.Core.Validation;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.UnitTests.Validation;

public sealed class LocalFailureBudgetTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Read_IsSpent_OnceTheBudgetIsSpent_AndNotBefore()
    {
        var budget = new LocalFailureBudget(_time);

        for (int i = 1; i <= 3; i++)
        {
            Assert.False(budget.Read("10.0.0.1", 3).Spent, $"after {i - 1} failures");
            Assert.Equal(i, budget.Spend("10.0.0.1").Spent);
        }

        Assert.True(budget.Read("10.0.0.1", 3).Spent);
        Assert.False(budget.Read("10.0.0.2", 3).Spent);
    }

    [Fact]
    public void TheWindow_IsOpenedByTheFirstFailure_AndNotExtendedByLaterOnes()
    {
        var budget = new LocalFailureBudget(_time);
        budget.Spend("s");
        _time.Advance(TimeSpan.FromSeconds(20));

        (long spent, TimeSpan left) = budget.Spend("s");

        Assert.Equal(2, spent);
        Assert.Equal(TimeSpan.FromSeconds(40), left);
        Assert.Equal(TimeSpan.FromSeconds(40), budget.Read("s", 2).WindowLeft);
    }

    [Fact]
    public void AfterTheWindow_TheSourceStartsAfresh()
    {
        var budget = new LocalFailureBudget(_time);
        budget.Spend("s");
        budget.Spend("s");
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.False(budget.Read("s", 2).Spent);
        Assert.Equal((1L, TimeSpan.FromSeconds(60)), budget.Spend("s"));
    }

    [Fact]
    public void Spend_DropsExpiredWindows_WhenFull_SoThatANewSourceIsTracked()
    {
        var budget = new LocalFailureBudget(_time);
        for (int i = 0; i < LocalFailureBudget.MaxSources; i++)
        {
            budget.Spend($"old-{i}");
        }

        _time.Advance(TimeSpan.FromSeconds(61));
        budget.Spend("new");
        budget.Spend("new");

        Assert.True(budget.Read("new", 2).Spent);
    }

    [Fact]
    public void WhenFullOfLiveWindows_NewSourcesShareOneOverflowWindow_AndAreStillLimited()
    {
        var budget = new LocalFailureBudget(_time);
        for (int i = 0; i < LocalFailureBudget.MaxSources; i++)
        {
            budget.Spend($"live-{i}");
        }

        for (int i = 0; i < 3; i++)
        {
            budget.Spend($"new-{i}"); // three sources, one shared window
        }

        Assert.True(budget.Read("yet-another", 3).Spent);
        Assert.Equal(4, budget.Spend("and-another").Spent);
    }
}
