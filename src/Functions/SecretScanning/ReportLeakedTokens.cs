using System.Buffers;
using BlueTokens.Core.SecretScanning;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Functions.SecretScanning;

/// <summary>
/// <c>POST /api/secret-scanning/report</c>: GitHub's secret scanning partner protocol. No JWT: the body is signed
/// (<c>Github-Public-Key-Identifier</c>, <c>Github-Public-Key-Signature</c>), and nothing of it is parsed before
/// the signature holds. 200 with a label per reported string; 401 <c>invalid_signature</c>; 404 where
/// <c>SecretScanning__KeysUrl</c> is not set.
/// </summary>
internal sealed partial class ReportLeakedTokens(
    IOptions<SecretScanningOptions> options, SecretScanningKeys keys, LeakedTokenReports reports, ILogger<ReportLeakedTokens> logger)
{
    [Function(nameof(ReportLeakedTokens))]
    public async Task<Results<ApiJson<LeakVerdictResponse[]>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "secret-scanning/report")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return Problems.NotFound("Secret scanning reports are not taken here: SecretScanning__KeysUrl is not set.");
        }

        if (!SignedReport.TryReadSignature(request, out string identifier, out byte[] signature))
        {
            return Refused("missing or malformed signature headers",
                $"Sign the report: {SignedReport.IdentifierHeader} names the key, {SignedReport.SignatureHeader} holds the base64 of its signature.");
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(SignedReport.MaxBodyBytes + 1);
        try
        {
            (int length, ApiProblem? tooLarge) = await SignedReport.ReadBodyAsync(request, buffer, cancellationToken);
            if (tooLarge is not null)
            {
                return tooLarge;
            }

            ReadOnlyMemory<byte> body = buffer.AsMemory(0, length);
            SignatureVerdict verdict = await keys.VerifyAsync(identifier, body, signature, cancellationToken);
            if (verdict != SignatureVerdict.Valid)
            {
                return verdict == SignatureVerdict.UnknownKey
                    ? Refused("unknown key identifier, or the keys could not be read", "The key that signed this report is not one of the secret scanning public keys.")
                    : Refused("the signature does not match the body", "The signature does not match the body.");
            }

            if (!SignedReport.ParseItems(request, body).TryGet(out List<ReportedToken>? items, out ApiProblem? problem))
            {
                return problem;
            }

            // Once a leak is known, its revocation runs to the end even if the caller hangs up.
            IReadOnlyList<LeakVerdict> verdicts = await reports.ReportAsync(items, CancellationToken.None);
            return ApiJson.Ok(verdicts.Select(LeakVerdictResponse.From).ToArray(), ApiJsonContext.Default.LeakVerdictResponseArray);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ApiProblem Refused(string reason, string detail)
    {
        LogRefused(logger, reason);
        return Problems.InvalidSignature(detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A secret scanning report was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
