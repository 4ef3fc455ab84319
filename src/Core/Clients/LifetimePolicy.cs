using System.Globalization;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Clients;

/// <summary>
/// When a new token expires: <c>expiresAt</c> or <c>expiresInDays</c>, not both; neither gives the default; the
/// result must lie within [now + Tokens__MinLifetime, now + Tokens__MaxLifetimeDays].
/// </summary>
internal sealed class LifetimePolicy(IOptions<TokenOptions> options)
{
    public Outcome<DateTimeOffset> Resolve(int? expiresInDays, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        TokenOptions policy = options.Value;
        if (expiresInDays is not null && expiresAt is not null)
        {
            return Failure.Invalid("expiresAt", "Give expiresAt or expiresInDays, not both.");
        }

        DateTimeOffset earliest = now + policy.MinLifetime;
        DateTimeOffset latest = now.AddDays(policy.MaxLifetimeDays);
        if (expiresInDays is { } days)
        {
            if (days < 0 || days > policy.MaxLifetimeDays || now.AddDays(days) < earliest)
            {
                return Failure.Invalid("expiresInDays", $"expiresInDays must give a lifetime between {Describe(policy.MinLifetime)} and {policy.MaxLifetimeDays} days.");
            }

            return now.AddDays(days);
        }

        if (expiresAt is { } at)
        {
            DateTimeOffset utc = Clock.Truncate(at.ToUniversalTime());
            if (utc < earliest || utc > latest)
            {
                return Failure.Invalid("expiresAt", $"expiresAt must lie between now + {Describe(policy.MinLifetime)} and now + {policy.MaxLifetimeDays} days.");
            }

            return utc;
        }

        return now.AddDays(policy.DefaultLifetimeDays);
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.Ticks % TimeSpan.TicksPerDay == 0 ? $"{span.TotalDays:0} day(s)" : span.ToString("c", CultureInfo.InvariantCulture);
}
