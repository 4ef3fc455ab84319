using System.Net;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Validation;

/// <summary>
/// The connector's hot path. Format and checksum first (junk never reaches a store); then one Redis GET of the
/// token's entry; on a miss, the source's budget and Redis's clock together, at most
/// two Table Storage point reads, and one cache fill. Disabled is judged before expired (by the clock), and both before the client's
/// networks, wherever the state came from. With Redis unavailable every answer comes, correctly, from the table.
/// </summary>
internal sealed class TokenValidator(
    TokenCache cache,
    TokenLookups lookups,
    ClientStore store,
    LastUseRecorder lastUse,
    LocalFailureBudget localBudget,
    LocalAnswers local,
    IValidationObserver observer,
    IOptions<ValidateOptions> options,
    TimeProvider time,
    ValidationMetrics? metrics = null)
{
    public ValueTask<ValidationResult> ValidateAsync(string? token, ValidationSource source, CancellationToken cancellationToken = default) =>
        ValidateAsync(token.AsSpan(), source, cancellationToken);

    /// <summary>
    /// Validates a token given as characters (a slice of the Authorization header: no string is made of it). It is
    /// hashed here, before anything waits; junk is refused without a cache read.
    /// </summary>
    public ValueTask<ValidationResult> ValidateAsync(ReadOnlySpan<char> token, ValidationSource source, CancellationToken cancellationToken = default) =>
        AccessToken.TryHash(token, out TokenHash hash) ? ValidateAsync(in hash, source, cancellationToken) : RefuseJunkAsync(source);

    private async ValueTask<ValidationResult> RefuseJunkAsync(ValidationSource source) =>
        Answered(await SpendAsync(ValidationResult.InvalidToken, source, options.Value.MaxFailuresPerMinute), "none");

    private ValueTask<ValidationResult> ValidateAsync(in TokenHash hash, ValidationSource source, CancellationToken cancellationToken)
    {
        // The lease of whatever this call reads starts here, before any read.
        long leaseStart = local.LeaseStart();
        if (local.TryGet(hash, leaseStart, out LocalAnswers.Answer held))
        {
            // Judged once, against one reading of the clock.
            DateTimeOffset now = time.GetUtcNow();
            ValidationResult answer = held.Kind == CachedTokenKind.Live ? JudgeHeld(held, now, source.Address) : ValidationResult.InvalidToken;
            if (answer.IsValid)
            {
                // The hot path: no I/O and nothing allocated.
                ClientUse use = lastUse.RecordIn(held.Use, answer.TenantId!, answer.ClientId!, now);
                if (!ReferenceEquals(use, held.Use))
                {
                    held.Use = use; // written once per lease and day, not on every hit (other cores read it)
                }

                return ValueTask.FromResult(Answered(answer, "local"));
            }

            return RefuseHeldAsync(answer, held.Entry, now, source);
        }

        return ValidateFromCacheAsync(hash, leaseStart, source, cancellationToken);
    }

    private async ValueTask<ValidationResult> RefuseHeldAsync(ValidationResult refusal, TokenCacheEntry? about, DateTimeOffset now, ValidationSource source) =>
        Answered(Counted(await SpendAsync(refusal, source, options.Value.MaxFailuresPerMinute), about, now), "local");

    private async ValueTask<ValidationResult> ValidateFromCacheAsync(TokenHash hash, long leaseStart, ValidationSource source, CancellationToken cancellationToken)
    {
        // One async method on the hit path (plus the cache's): each further level would be one more state machine
        // allocated per request once Redis makes it wait.
        int budget = options.Value.MaxFailuresPerMinute;
        CacheLookup lookup = await cache.LookupAsync(hash);
        string answeredFrom = !lookup.Available ? "table_redis_unavailable" : lookup.Token.Kind == CachedTokenKind.Miss ? "cache_miss" : "cache_hit";
        DateTimeOffset now = time.GetUtcNow();
        ValidationResult result;
        TokenCacheEntry? about = null;
        if (lookup.Token.Kind == CachedTokenKind.Live)
        {
            // A token the cache answers as valid is answered so, whatever its source has spent (API.md).
            local.Hold(hash, leaseStart, lookup.Token);
            about = lookup.Token.Entry!;
            result = Judge(about, now, source.Address);
        }
        else if (lookup.Token.Kind is CachedTokenKind.Revoked or CachedTokenKind.Unknown)
        {
            local.Hold(hash, leaseStart, lookup.Token);
            result = ValidationResult.InvalidToken;
        }
        else if (lookup.Available)
        {
            // A miss: a source that has spent its budget gets 429 without any table read. Its budget and Redis's
            // clock are asked together (one round trip, two slots).
            string tokenHash = hash.ToHex();
            Task<BudgetState?> budgetRead = cache.ReadBudgetAsync(source.BudgetKey, budget);
            Task<CacheClock?> clockRead = cache.ReadClockAsync(tokenHash);
            BudgetState state = await budgetRead ?? localBudget.Read(source.BudgetKey, budget);
            if (state.Spent)
            {
                return Answered(new ValidationResult(ValidationCode.RateLimited, RetryAfter: state.WindowLeft), "cache");
            }

            (result, about) = await FromTableAsync(hash, leaseStart, await clockRead, source.Address, cancellationToken);
        }
        else if (localBudget.Read(source.BudgetKey, budget) is { Spent: true } spentHere)
        {
            // Redis is unavailable: this instance's own budget keeps a spent source off the table.
            return Answered(new ValidationResult(ValidationCode.RateLimited, RetryAfter: spentHere.WindowLeft), answeredFrom);
        }
        else
        {
            (result, about) = await FromTableAsync(hash, leaseStart, null, source.Address, cancellationToken);
        }

        if (result.IsValid)
        {
            lastUse.Record(result.TenantId!, result.ClientId!, now);
            return Answered(result, answeredFrom);
        }

        return Answered(Counted(await SpendAsync(result, source, budget), about, now), answeredFrom);
    }

    /// <summary>A held entry judged now: its valid result is made once per lease, the refusals are shared.</summary>
    private static ValidationResult JudgeHeld(LocalAnswers.Answer held, DateTimeOffset now, IPAddress? source)
    {
        TokenCacheEntry entry = held.Entry!;
        if (entry.Disabled || entry.ExpiresAt <= now || !entry.Policy.Allows(source))
        {
            return Judge(entry, now, source);
        }

        return held.Valid ??= Judge(entry, now, source);
    }

    /// <summary>
    /// A refusal about a known client counted in its usage as what it was answered: one past the source's budget is
    /// a 429, not counted (valid answers are counted with their last use).
    /// </summary>
    private ValidationResult Counted(ValidationResult answer, TokenCacheEntry? about, DateTimeOffset now)
    {
        if (about is not null)
        {
            lastUse.Count(about.TenantId, about.ClientId, answer.Code, now);
        }

        return answer;
    }

    private ValidationResult Answered(ValidationResult result, string answeredFrom)
    {
        metrics?.Record(result.Code, answeredFrom);
        return result;
    }

    /// <summary>
    /// The table's answer, filled into the cache where Redis's clock and the bucket's generation were read before the
    /// table (<paramref name="readAt"/>; null where Redis is unavailable): the fill presents them, and is dropped if
    /// the read is too old by then or the bucket was emptied or moved since. With it, the entry it judged (null for
    /// a token it does not know).
    /// </summary>
    private async Task<(ValidationResult Result, TokenCacheEntry? About)> FromTableAsync(
        TokenHash hash, long leaseStart, CacheClock? readAt, IPAddress? source, CancellationToken cancellationToken)
    {
        string tokenHash = hash.ToHex();
        TokenLookupEntity? index = await lookups.GetLookupAsync(tokenHash, cancellationToken);
        StoredClient? stored = index is null ? null : await store.GetClientAsync(index.TenantId, index.ClientId, cancellationToken);
        if (stored is null)
        {
            await FillAsync(readAt, tokenHash, 0, TokenCache.UnknownPayload, cache.UnknownLifetime, cancellationToken);
            local.Hold(hash, leaseStart, new CachedToken(CachedTokenKind.Unknown, null));
            return (ValidationResult.InvalidToken, null);
        }

        ClientRecord client = stored.Record;
        // A current token reported as leaked answers as no token at all, like a replaced one.
        TokenCacheEntry? entry = client.TokenHash == tokenHash
            ? client.Leak is null ? TokenCacheEntry.Of(client, client.ExpiresAt, grace: false) : null
            : client.GraceTokens.FirstOrDefault(grace => grace.Hash == tokenHash) is { } replaced
                ? TokenCacheEntry.Of(client, replaced.Until, grace: true)
                : null;
        if (entry is null)
        {
            // Replaced and out of its grace period, or leaked: remember the revocation at the client's version.
            await FillAsync(readAt, tokenHash, client.Version, TokenCache.RevokedPayload, cache.RevocationLifetime, cancellationToken);
            local.Hold(hash, leaseStart, new CachedToken(CachedTokenKind.Revoked, null));
            return (ValidationResult.InvalidToken, null);
        }

        DateTimeOffset now = time.GetUtcNow();
        TimeSpan lifetime = cache.EntryLifetime(entry.ExpiresAt, now);
        await FillAsync(readAt, tokenHash, client.Version, TokenCache.Serialize(entry), lifetime, cancellationToken);
        local.Hold(hash, leaseStart, new CachedToken(CachedTokenKind.Live, entry));
        return (Judge(entry, now, source), entry);
    }

    private async Task FillAsync(CacheClock? readAt, string tokenHash, long version, string payload, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        if (readAt is not { } clock)
        {
            return; // Redis is down: nothing to fill, and the circuit keeps us from waiting on it
        }

        await observer.BeforeFillAsync(tokenHash, cancellationToken);
        await cache.FillAsync(tokenHash, version, payload, lifetime, clock);
    }

    /// <summary>Disabled first, then expired, then the client's networks (API.md, validate's 401 codes).</summary>
    private static ValidationResult Judge(TokenCacheEntry entry, DateTimeOffset now, IPAddress? source)
    {
        if (entry.Disabled)
        {
            return ValidationResult.Disabled;
        }

        if (entry.ExpiresAt <= now)
        {
            // A replaced token past its grace period is simply no longer a token; a current one has expired.
            return entry.Grace ? ValidationResult.InvalidToken : ValidationResult.Expired;
        }

        if (!entry.Policy.Allows(source))
        {
            return ValidationResult.NetworkNotAllowed;
        }

        return new ValidationResult(ValidationCode.Valid, entry.TenantId, entry.ClientId, entry.ClientName, entry.Role, entry.ExpiresAt);
    }

    /// <summary>
    /// Every 401 spends one unit of the source's budget (shared in Redis, or this instance's own while Redis is
    /// unavailable); the one past the budget is answered 429.
    /// </summary>
    private async Task<ValidationResult> SpendAsync(ValidationResult failure, ValidationSource source, int budget)
    {
        (long Spent, TimeSpan WindowLeft) spent = await cache.SpendAsync(source.BudgetKey) ?? localBudget.Spend(source.BudgetKey);
        return spent.Spent > budget
            ? new ValidationResult(ValidationCode.RateLimited, RetryAfter: spent.WindowLeft)
            : failure;
    }
}
