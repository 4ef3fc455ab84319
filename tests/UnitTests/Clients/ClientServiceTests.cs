using System.Text.Json.Nodes;
using Azure;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Events;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;
using Moq;

namespace BlueTokens.UnitTests.Clients;

/// <summary>
/// What the service checks before a change and what it hands the change loop: create, update, disable and
/// enable, delete and list, over a faked store.
/// </summary>
public sealed class ClientServiceTests
{
    private const string Tenant = ClientServiceHarness.Tenant;

    private readonly ClientServiceHarness _harness = new();
    private readonly List<string> _calls = [];

    [Fact]
    public async Task Create_IssuesAWellFormedToken_AndStoresOnlyItsHashPrefixAndProtectedForm()
    {
        Outcome<IssuedToken> outcome = await _harness.Service.CreateAsync(_harness.Admin, new CreateClientCommand("  BI  ", "analyst", null, null));

        (ClientRecord client, string token) = outcome.Value!;
        DateTimeOffset now = _harness.Now;
        Assert.True(AccessToken.IsWellFormed(token));
        Assert.Equal(AccessToken.HashWellFormed(token).ToHex(), client.TokenHash);
        Assert.Equal(AccessToken.DisplayPrefix(token), client.TokenPrefix);
        Assert.True(_harness.Protector.TryUnprotect(client.ProtectedToken, client.ProtectionContext, out string? opened));
        Assert.Equal(token, opened);
        Assert.Equal(
            (Tenant, "BI", "analyst", false, 1L, "admin@contoso", now, now, now, now.AddDays(90)),
            (client.TenantId, client.Name, client.Role, client.Disabled, client.Version, client.CreatedBy, client.CreatedAt, client.UpdatedAt, client.TokenIssuedAt, client.ExpiresAt));
        Assert.StartsWith(ClientIds.New(now)[..12], client.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WritesTheLookupAndIndexRowBeforeItsCommit_AndAuditsWithoutTheToken()
    {
        RecordOrder();

        Outcome<IssuedToken> outcome = await _harness.Service.CreateAsync(_harness.Admin, new CreateClientCommand("BI", "analyst", 30, null));

        (ClientRecord client, string token) = outcome.Value!;
        Assert.Equal(["issuing", "commit", "created"], _calls);
        _harness.Effects.Verify(e => e.IssuingAsync(Tenant, client.Id, client.TokenHash, _harness.Now, _harness.Now.AddDays(30), It.IsAny<CancellationToken>()), Times.Once);
        AuditEntity audit = FakeClientStore.AuditRows(Assert.Single(_harness.Store.Commits))[0];
        Assert.Equal(AuditActions.ClientCreated, audit.Action);
        var expected = new JsonObject { ["role"] = "analyst", ["tokenPrefix"] = client.TokenPrefix, ["expiresAt"] = "2026-03-31T12:00:00Z" };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(audit.Detail!)), audit.Detail);
        Assert.DoesNotContain(token[5..], audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_RefusesEveryBadField_AtOnce_AndIssuesNothing()
    {
        Outcome<IssuedToken> outcome = await _harness.Service.CreateAsync(_harness.Admin, new CreateClientCommand(null, "1analyst", 0, null));

        Failure failure = outcome.Failure!;
        Assert.Equal(FailureKind.Validation, failure.Kind);
        Assert.Equal(["expiresInDays", "name", "role"], failure.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Name is required."], failure.Errors["name"]);
        Assert.Empty(_harness.Effects.Invocations);
        Assert.Empty(_harness.Store.Commits);
    }

    [Fact]
    public async Task Create_RemovesTheLookupItWrote_WhenTheNameIsTaken()
    {
        _harness.Store.Results.Enqueue(CommitResult.NameTaken);
        string? issuedHash = null;
        _harness.Effects.Setup(e => e.IssuingAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string _, string hash, DateTimeOffset _, DateTimeOffset _, CancellationToken _) => issuedHash = hash)
            .Returns(Task.CompletedTask);

        Outcome<IssuedToken> outcome = await _harness.Service.CreateAsync(_harness.Admin, new CreateClientCommand("BI", "analyst", null, null));

        Assert.Equal(FailureKind.NameTaken, outcome.Failure?.Kind);
        Assert.NotNull(issuedHash);
        string hash = issuedHash;
        _harness.Effects.Verify(e => e.NotIssuedAsync(Tenant, It.IsAny<string>(), hash, _harness.Now, It.IsAny<DateTimeOffset>()), Times.Once);
        _harness.Effects.Verify(e => e.CreatedAsync(It.IsAny<ClientRecord>()), Times.Never);
    }

    [Fact]
    public async Task Update_RefusesABadNameAndRole_WithoutReadingTheClient()
    {
        Outcome<ClientRecord> outcome = await _harness.Service.UpdateAsync(_harness.Admin, _harness.Store.Client.Id, new UpdateClientCommand("a/b", "ana lyst"), IfMatch.None);

        Assert.Equal(FailureKind.Validation, outcome.Failure?.Kind);
        Assert.Equal(["name", "role"], outcome.Failure!.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(_harness.Store.Mock.Invocations);
    }

    [Fact]
    public async Task Update_TrimsTheName_AndChangesOnlyWhatIsGiven()
    {
        Outcome<ClientRecord> outcome = await _harness.Service.UpdateAsync(_harness.Admin, _harness.Store.Client.Id, new UpdateClientCommand(" Finance ", null), IfMatch.None);

        Assert.Equal(("Finance", "analyst", 2L), (outcome.Value!.Name, outcome.Value.Role, outcome.Value.Version));
        Assert.Equal(AuditActions.ClientUpdated, FakeClientStore.AuditRows(Assert.Single(_harness.Store.Commits))[0].Action);
    }

    [Theory]
    [InlineData(true, AuditActions.ClientDisabled, LifecycleEventTypes.ClientDisabled)]
    [InlineData(false, AuditActions.ClientEnabled, LifecycleEventTypes.ClientEnabled)]
    public async Task SetDisabled_ToTheOtherState_RevisesTheClient_WithItsAuditAndEvent(bool disabled, string action, string eventType)
    {
        _harness.Store.Client = _harness.Store.Client with { Disabled = !disabled };
        ClientRecord before = _harness.Store.Client;

        Outcome<ClientRecord> outcome = await _harness.Service.SetDisabledAsync(_harness.Admin, before.Id, disabled, IfMatch.None);

        Assert.Equal(before with { Disabled = disabled, Version = 2, UpdatedAt = _harness.Now }, outcome.Value);
        Assert.Equal(action, FakeClientStore.AuditRows(Assert.Single(_harness.Store.Commits))[0].Action);
        _harness.Effects.Verify(e => e.ChangedAsync(before, outcome.Value!, eventType), Times.Once);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SetDisabled_ToTheStateTheClientIsIn_CommitsNothing(bool disabled)
    {
        _harness.Store.Client = _harness.Store.Client with { Disabled = disabled };

        Outcome<ClientRecord> outcome = await _harness.Service.SetDisabledAsync(_harness.Admin, _harness.Store.Client.Id, disabled, IfMatch.None);

        Assert.Equal(_harness.Store.Client, outcome.Value);
        Assert.Empty(_harness.Store.Commits);
        Assert.Empty(_harness.Effects.Invocations);
    }

    [Fact]
    public async Task Delete_IsTrue_OnceCommitted_AndNotFound_ForAClientThatIsNot()
    {
        Outcome<bool> deleted = await _harness.Service.DeleteAsync(_harness.Admin, _harness.Store.Client.Id, IfMatch.None);
        Outcome<bool> missing = await _harness.Service.DeleteAsync(_harness.Admin, "000000000000zzzzzzzzzzzzzzzz", IfMatch.None);

        Assert.True(deleted.Value);
        Assert.Equal(FailureKind.NotFound, missing.Failure?.Kind);
        Assert.Single(_harness.Store.Commits);
    }

    [Fact]
    public async Task List_AsksForOneMoreThanThePage_AndContinuesAfterItsLastItem()
    {
        ClientRecord[] stored = [.. Enumerable.Range(0, 3).Select(i => _harness.Store.Client with { Id = $"{i:D12}aaaaaaaaaaaaaaaa" })];
        ListReturns(stored);

        Outcome<ClientPage> page = await _harness.Service.ListAsync(_harness.Admin, ClientStatus.Disabled, new PageRequest(2, null));

        Assert.Equal(stored[..2], page.Value!.Items);
        _harness.Store.Mock.Verify(s => s.ListClientsAsync(Tenant, ClientStatus.Disabled, null, 3, _harness.Now, It.IsAny<CancellationToken>()), Times.Once);
        Assert.True(_harness.Continuations.TryUnprotect(page.Value.ContinuationToken!, Tenant, "clients|Disabled", out string after));
        Assert.Equal(RowKeys.Client(stored[1].Id), after);
    }

    [Fact]
    public async Task List_GivesNoContinuationToken_WhenNoMoreFollow()
    {
        ListReturns([_harness.Store.Client]);

        Outcome<ClientPage> page = await _harness.Service.ListAsync(_harness.Admin, null, new PageRequest(1, null));

        Assert.Equal([_harness.Store.Client], page.Value!.Items);
        Assert.Null(page.Value.ContinuationToken);
    }

    [Fact]
    public async Task List_ContinuesAfterTheRowKeyItsTokenNames()
    {
        ListReturns([]);
        string token = _harness.Continuations.Protect("client|after", Tenant, "clients|");

        await _harness.Service.ListAsync(_harness.Admin, null, new PageRequest(10, token));

        _harness.Store.Mock.Verify(s => s.ListClientsAsync(Tenant, null, "client|after", 11, _harness.Now, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task List_RefusesATokenIssuedForAnotherFilter_WithoutAskingTheStore()
    {
        string token = _harness.Continuations.Protect("client|after", Tenant, "clients|Disabled");

        Outcome<ClientPage> page = await _harness.Service.ListAsync(_harness.Admin, ClientStatus.Active, new PageRequest(10, token));

        Assert.Same(ContinuationTokens.NotIssued, page.Failure);
        Assert.Empty(_harness.Store.Mock.Invocations);
    }

    private void ListReturns(IEnumerable<ClientRecord> clients)
    {
        IReadOnlyList<StoredClient> rows = [.. clients.Select(client => new StoredClient(client, new ETag("W/\"1\"")))];
        _harness.Store.Mock.Setup(s => s.ListClientsAsync(Tenant, It.IsAny<ClientStatus?>(), It.IsAny<string?>(), It.IsAny<int>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(rows);
    }

    /// <summary>Notes, in order, the issuing of a token, each commit, and the create that follows it.</summary>
    private void RecordOrder()
    {
        _harness.Effects.Setup(e => e.IssuingAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Callback(() => _calls.Add("issuing")).Returns(Task.CompletedTask);
        _harness.Effects.Setup(e => e.CreatedAsync(It.IsAny<ClientRecord>())).Callback(() => _calls.Add("created")).Returns(Task.CompletedTask);
        _harness.Store.Mock.Setup(s => s.CommitAsync(It.IsAny<PartitionBatch>(), It.IsAny<CancellationToken>()))
            .Callback((PartitionBatch batch, CancellationToken _) =>
            {
                _calls.Add("commit");
                _harness.Store.Commits.Add(batch);
            })
            .ReturnsAsync(CommitResult.Committed);
    }
}
