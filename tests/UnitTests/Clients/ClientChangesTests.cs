using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Events;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace BlueTokens.UnitTests.Clients;

/// <summary>
/// The one change loop over a faked store: what it reads, what it commits for each decision, what follows a
/// commit, and how it meets a concurrent writer.
/// </summary>
public sealed class ClientChangesTests
{
    private const string Tenant = "tenant-a";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeClientStore _store;
    private readonly Mock<ClientEffects> _effects = new(null!, null!, null!, null!, null!, null!, null!, null!);
    private readonly ClientChanges _changes;

    public ClientChangesTests()
    {
        _store = new FakeClientStore(TestClients.Record(_time.GetUtcNow()));
        _changes = new ClientChanges(_store.Object, _effects.Object, Options.Create(new TenantOptions()), _time);
    }

    [Fact]
    public async Task Apply_FailsNotFound_AndWritesNothing_WhenTheClientIsGone()
    {
        Outcome<Changed> outcome = await _changes.ApplyAsync(Request("000000000000zzzzzzzzzzzzzzzz"), Rename("BI-2"));

        Assert.Equal(FailureKind.NotFound, outcome.Failure?.Kind);
        Assert.Empty(_store.Commits);
    }

    [Fact]
    public async Task Apply_FailsPreconditionFailed_WhenIfMatchNamesAnOlderVersion()
    {
        _store.Client = _store.Client with { Version = 2 };

        Outcome<Changed> outcome = await _changes.ApplyAsync(Request(ifMatch: IfMatch.Parse("\"v1\"")), Rename("BI-2"));

        Assert.Equal(FailureKind.PreconditionFailed, outcome.Failure?.Kind);
        Assert.Contains("\"v2\"", outcome.Failure!.Detail, StringComparison.Ordinal);
        Assert.Empty(_store.Commits);
    }

    [Fact]
    public async Task Apply_NoChange_WritesAndPublishesNothing_AndGivesTheClientAsItIs()
    {
        Outcome<Changed> outcome = await _changes.ApplyAsync(Request(), (_, _) => ChangeDecision.None);

        Assert.Equal(new Changed(_store.Client, Committed: false), outcome.Value);
        Assert.Empty(_store.Commits);
        Assert.Empty(_effects.Invocations);
    }

    [Fact]
    public async Task Apply_Update_ReplacesTheRowWithItsAudit_MovesTheName_AndPublishesItsOwnEventType()
    {
        ClientRecord before = _store.Client;

        Outcome<Changed> outcome = await _changes.ApplyAsync(Request(), Rename("BI-2"));

        ClientRecord after = outcome.Value!.Client;
        Assert.True(outcome.Value.Committed);
        Assert.Equal(("BI-2", 2L, _time.GetUtcNow()), (after.Name, after.Version, after.UpdatedAt));
        PartitionBatch batch = Assert.Single(_store.Commits);
        Assert.Equal(
            [TableTransactionActionType.Delete, TableTransactionActionType.Add, TableTransactionActionType.UpdateReplace, TableTransactionActionType.Add, TableTransactionActionType.Add],
            batch.Actions.Select(action => action.ActionType));
        Assert.True(batch.IsNameInsert(1));
        Assert.All(batch.Actions.Skip(3), action => Assert.Equal("admin@contoso", ((AuditEntity)action.Entity).Actor));
        _effects.Verify(e => e.ChangedAsync(before, after, LifecycleEventTypes.ClientUpdated), Times.Once);
    }

    [Fact]
    public async Task Apply_Bookkeeping_WithoutAnAudit_ReplacesTheRowOnly()
    {
        Outcome<Changed> outcome = await _changes.ApplyAsync(Request(),
            (client, _) => new ChangeDecision.Update(client with { WarnedTokenHash = client.TokenHash }, Audit: null, LifecycleEventTypes.TokenExpiring));

        Assert.Equal(1, outcome.Value!.Client.Version);
        Assert.Equal([TableTransactionActionType.UpdateReplace], Assert.Single(_store.Commits).Actions.Select(action => action.ActionType));
        _effects.Verify(e => e.ChangedAsync(It.IsAny<ClientRecord>(), It.IsAny<ClientRecord>(), LifecycleEventTypes.TokenExpiring), Times.Once);
    }

    [Fact]
    public async Task Apply_Delete_ReleasesTheName_CountsTheClientOut_AndFollowsWithTheDeleteEffects()
    {
        _store.Mock.Setup(s => s.GetTenantAsync(Tenant, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new TenantEntity { PartitionKey = Tenant, ClientCount = 3, ETag = new ETag("W/\"t\"") });

        Outcome<Changed> outcome = await _changes.ApplyAsync(Request(), (_, _) => new ChangeDecision.Delete());

        Assert.Equal(new Changed(_store.Client, Committed: true), outcome.Value);
        PartitionBatch batch = Assert.Single(_store.Commits);
        Assert.Equal(
            [TableTransactionActionType.Delete, TableTransactionActionType.Delete, TableTransactionActionType.Add, TableTransactionActionType.Add, TableTransactionActionType.UpdateReplace],
            batch.Actions.Select(action => action.ActionType));
        Assert.Equal(AuditActions.ClientDeleted, ((AuditEntity)batch.Actions[2].Entity).Action);
        Assert.Equal(2, ((TenantEntity)batch.Actions[^1].Entity).ClientCount);
        _effects.Verify(e => e.DeletedAsync(_store.Client), Times.Once);
        _effects.Verify(e => e.ChangedAsync(It.IsAny<ClientRecord>(), It.IsAny<ClientRecord>(), It.IsAny<string>()), Times.Never);
    }

    [Fact]
    public async Task Apply_AfterAConflict_ReadsAndDecidesAgain_AndFollowsTheCommitOnce()
    {
        _store.Results.Enqueue(CommitResult.Conflict);
        int decisions = 0;

        Outcome<Changed> outcome = await _changes.ApplyAsync(Request(), (client, now) =>
        {
            decisions++;
            return ChangeDecision.Revise(client with { Disabled = true }, now, new AuditNote(AuditActions.ClientDisabled), LifecycleEventTypes.ClientDisabled);
        });

        Assert.True(outcome.Value!.Committed);
        Assert.Equal(2, decisions);
        Assert.Equal(2, _store.Commits.Count);
        _store.Mock.Verify(s => s.GetClientAsync(Tenant, _store.Client.Id, It.IsAny<CancellationToken>()), Times.Exactly(2));
        _effects.Verify(e => e.ChangedAsync(It.IsAny<ClientRecord>(), It.IsAny<ClientRecord>(), LifecycleEventTypes.ClientDisabled), Times.Once);
    }

    [Fact]
    public async Task Apply_StartsFromTheCallersRead_AndReadsOnlyAfterAConflict()
    {
        var read = new StoredClient(_store.Client, new ETag("W/\"1\""));

        await _changes.ApplyAsync(Request() with { Read = read }, Rename("BI-2"));
        _store.Results.Enqueue(CommitResult.Conflict);
        await _changes.ApplyAsync(Request() with { Read = read }, Rename("BI-3"));

        _store.Mock.Verify(s => s.GetClientAsync(Tenant, _store.Client.Id, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Apply_FailsNameTaken_WithoutRetrying_OrFollowingWithEffects()
    {
        _store.Results.Enqueue(CommitResult.NameTaken);

        Outcome<Changed> outcome = await _changes.ApplyAsync(Request(), Rename("JDBC"));

        Assert.Equal(FailureKind.NameTaken, outcome.Failure?.Kind);
        Assert.Contains("'JDBC'", outcome.Failure!.Detail, StringComparison.Ordinal);
        Assert.Single(_store.Commits);
        Assert.Empty(_effects.Invocations);
    }

    [Fact]
    public async Task Apply_GivesUp_WithItsRetrysException_AfterItsMaxAttempts()
    {
        for (int i = 0; i < 10; i++)
        {
            _store.Results.Enqueue(CommitResult.Conflict);
        }

        var retry = new ChangeRetry(3, () => new TimeoutException("gave up"));

        await Assert.ThrowsAsync<TimeoutException>(() => _changes.ApplyAsync(Request() with { Retry = retry }, Rename("BI-2")));
        Assert.Equal(3, _store.Commits.Count);
        Assert.Empty(_effects.Invocations);
    }

    [Fact]
    public async Task Add_FailsClientLimitReached_AtTheTenantsLimit()
    {
        var changes = new ClientChanges(_store.Object, _effects.Object, Options.Create(new TenantOptions { MaxClients = 2 }), _time);
        _store.Mock.Setup(s => s.GetTenantAsync(Tenant, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new TenantEntity { PartitionKey = Tenant, ClientCount = 2, ETag = new ETag("W/\"t\"") });

        Outcome<Changed> outcome = await changes.AddAsync("admin@contoso", _store.Client, new JsonObject());

        Assert.Equal(FailureKind.ClientLimitReached, outcome.Failure?.Kind);
        Assert.Empty(_store.Commits);
    }

    [Fact]
    public async Task Add_CountsTheClientIn_ReservesItsName_AndFollowsWithTheCreateEffects()
    {
        Outcome<Changed> outcome = await _changes.AddAsync("admin@contoso", _store.Client, new JsonObject());

        Assert.Equal(new Changed(_store.Client, Committed: true), outcome.Value);
        PartitionBatch batch = Assert.Single(_store.Commits);
        Assert.Equal(TableTransactionActionType.Add, batch.Actions[0].ActionType); // no counter yet: inserted at 1
        Assert.Equal(1, ((TenantEntity)batch.Actions[0].Entity).ClientCount);
        Assert.True(batch.IsNameInsert(1));
        _effects.Verify(e => e.CreatedAsync(_store.Client), Times.Once);
    }

    private ChangeRequest Request(string? clientId = null, IfMatch? ifMatch = null) =>
        new(Tenant, clientId ?? _store.Client.Id, "admin@contoso", ifMatch ?? IfMatch.None, ChangeRetry.Admin);

    private static Func<ClientRecord, DateTimeOffset, ChangeDecision> Rename(string name) =>
        (client, now) => ClientRules.Update(client, name, role: null, networks: null, now);
}
