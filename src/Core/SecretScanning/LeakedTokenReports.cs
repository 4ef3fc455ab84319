using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Events;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Core.SecretScanning;

/// <summary>One string secret scanning found in public, as its report gives it (type, url and source may be empty).</summary>
internal sealed record ReportedToken(string Token, string Type, string Url, string Source);

/// <summary>What a reported string was: one of our tokens (current or in grace), or anything else.</summary>
internal enum LeakLabel
{
    TruePositive,
    FalsePositive,
}

/// <summary>The answer about one reported string: its hash (never the string), the type it was reported as, its label.</summary>
internal sealed record LeakVerdict(string TokenHash, string TokenType, LeakLabel Label);

/// <summary>
/// Revokes what secret scanning found. A client's current token: the client is disabled and its leak recorded
/// (until a regenerate); a token in grace: that grace is cut. Each through the one write path, so that it moves the
/// version and the token stops validating on every instance before the report is answered (the revocation
/// guarantee), with one <c>token.leaked</c> audit event and lifecycle event. A report of what has been revoked
/// already changes nothing more.
/// </summary>
internal sealed partial class LeakedTokenReports(TokenLookups lookups, ClientChanges changes, ILogger<LeakedTokenReports> logger)
{
    public const string Actor = "secret-scanning";
    public const int MaxItems = 1000;

    // Reads and revocations of one report overlap this much: each revocation waits out the local lease.
    private const int Parallelism = 8;

    public async Task<IReadOnlyList<LeakVerdict>> ReportAsync(IReadOnlyList<ReportedToken> reported, CancellationToken cancellationToken = default)
    {
        var verdicts = new LeakVerdict[reported.Count];
        int revoked = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, reported.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                (LeakVerdict verdict, bool committed) = await JudgeAsync(reported[index], token);
                verdicts[index] = verdict;
                if (committed)
                {
                    Interlocked.Increment(ref revoked);
                }
            });

        int truePositives = verdicts.Count(verdict => verdict.Label == LeakLabel.TruePositive);
        LogReport(logger, reported.Count, truePositives, revoked, reported.Count - truePositives);
        return verdicts;
    }

    private async Task<(LeakVerdict Verdict, bool Committed)> JudgeAsync(ReportedToken reported, CancellationToken cancellationToken)
    {
        // Answered by the hex SHA-256 of the string's UTF-8: for a token, its lookup hash. Junk (not the format, or
        // a bad checksum) is no token of ours and asks no store.
        bool wellFormed = AccessToken.TryHash(reported.Token, out TokenHash tokenHash);
        string hash = wellFormed ? tokenHash.ToHex() : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reported.Token)));
        var falsePositive = new LeakVerdict(hash, reported.Type, LeakLabel.FalsePositive);
        TokenLookupEntity? lookup = wellFormed ? await lookups.GetLookupAsync(hash, cancellationToken) : null;
        if (lookup is null)
        {
            return (falsePositive, false);
        }

        LeakLabel label = LeakLabel.FalsePositive;
        var request = new ChangeRequest(lookup.TenantId, lookup.ClientId, Actor, IfMatch.None, ChangeRetry.Admin);
        Outcome<Changed> changed = await changes.ApplyAsync(request, (client, now) =>
        {
            (label, ChangeDecision decision) = Decide(client, hash, reported, now);
            return decision;
        }, cancellationToken);
        if (!changed.Succeeded)
        {
            return (falsePositive, false); // the client was deleted meanwhile: its tokens are gone with it
        }

        if (changed.Value!.Committed)
        {
            LogRevoked(logger, lookup.ClientId, lookup.TenantId);
        }

        return (new LeakVerdict(hash, reported.Type, label), changed.Value!.Committed);
    }

    /// <summary>What the report of <paramref name="hash"/> does to <paramref name="client"/>, as the client is now.</summary>
    private static (LeakLabel, ChangeDecision) Decide(ClientRecord client, string hash, ReportedToken reported, DateTimeOffset now)
    {
        if (client.TokenHash == hash)
        {
            // Reported before: the client is disabled until a regenerate already, and the first report is the one kept.
            return client.Leak is not null
                ? (LeakLabel.TruePositive, ChangeDecision.None)
                : (LeakLabel.TruePositive, Revise(client with { Disabled = true, Leak = new ClientLeak(now, reported.Url, reported.Source) }, client.TokenPrefix, reported, now));
        }

        // A token in grace is cut; the client keeps its current token and its state. One whose grace has ended
        // already validates no more: it is a replaced token like any other.
        if (client.GraceTokens.FirstOrDefault(grace => grace.Hash == hash && grace.Until > now) is { } inGrace)
        {
            ClientRecord cut = client with { GraceTokens = [.. client.GraceTokens.Where(grace => grace.Hash != hash)] };
            return (LeakLabel.TruePositive, Revise(cut, inGrace.TokenPrefix, reported, now));
        }

        return (LeakLabel.FalsePositive, ChangeDecision.None);
    }

    private static ChangeDecision.Update Revise(ClientRecord changed, string tokenPrefix, ReportedToken reported, DateTimeOffset now) =>
        ChangeDecision.Revise(changed, now,
            new AuditNote(AuditActions.TokenLeaked, new JsonObject { ["url"] = reported.Url, ["source"] = reported.Source, ["tokenPrefix"] = tokenPrefix }),
            LifecycleEventTypes.TokenLeaked);

    [LoggerMessage(Level = LogLevel.Information, Message = "Secret scanning report: {Items} strings, {TruePositives} tokens of ours ({Revoked} revoked by this report), {FalsePositives} false positives")]
    private static partial void LogReport(ILogger logger, int items, int truePositives, int revoked, int falsePositives);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secret scanning found a token of client {ClientId} of tenant {TenantId} in public; it is revoked")]
    private static partial void LogRevoked(ILogger logger, string clientId, string tenantId);
}
