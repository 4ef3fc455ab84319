using System.Net;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Storage;

/// <summary>
/// The Table Storage round trips of each management operation, counted exactly. They are the cost model the
/// README states; a change that adds a read or a write shows up here first.
/// </summary>
[Collection(StackTests.Name)]
public sealed class StorageRoundTripTests(StackFixture stack) : IAsyncLifetime
{
    private readonly StorageRequestCounter _counter = new();
    private LocalHostFactory? _baseHost;
    private WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint>? _host;
    private AdminApi _admin = null!;

    public async Task InitializeAsync()
    {
        _baseHost = new LocalHostFactory(stack);
        _host = _baseHost.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(_counter.CreateClient(stack.StorageConnectionString))));
        _host.Server.PreserveExecutionContext = true; // so the counter's scope flows into the request
        _admin = new AdminApi(_host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        await _admin.CreateAsync("warm-up"); // the process creates its tables once; not part of any operation
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_baseHost is not null)
        {
            await _baseHost.DisposeAsync();
        }
    }

    [Fact]
    public async Task Create_IsCounterReadLookupAndIndexInsertsOneTransactionAndTheEvent()
    {
        using (_counter.Measure())
        {
            await _admin.CreateAsync("BI");
        }

        AssertRoundTrips(5);
    }

    [Fact]
    public async Task Get_IsOnePointRead()
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        using (_counter.Measure())
        {
            (HttpResponseMessage response, _) = await _admin.GetJsonAsync($"/api/clients/{client.Id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        AssertRoundTrips(1);
    }

    [Theory]
    [InlineData("PATCH", "", """{"name":"Renamed"}""", 3)]
    [InlineData("POST", "/disable", null, 3)]
    [InlineData("POST", "/enable", null, 1)] // already enabled: read, nothing to write
    [InlineData("GET", "/token", null, 2)] // Show: read, then its audit event (no lifecycle event)
    public async Task SingleClientChange_IsOneReadOneTransactionAndTheEvent(string method, string suffix, string? body, int expected)
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        using (_counter.Measure())
        {
            using HttpResponseMessage response = await _admin.SendAsync(new HttpMethod(method), $"/api/clients/{client.Id}{suffix}", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        AssertRoundTrips(expected);
    }

    [Fact]
    public async Task Regenerate_IsSevenRoundTrips()
    {
        // New lookup and index row, read, transaction, old index row and old lookup removed, the event.
        AdminApi.Created client = await _admin.CreateAsync("BI");
        using (_counter.Measure())
        {
            using HttpResponseMessage response = await _admin.PostAsync($"/api/clients/{client.Id}/token/regenerate");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        AssertRoundTrips(7);
    }

    [Fact]
    public async Task Delete_IsSixRoundTrips()
    {
        // Client and counter read, transaction, index row and lookup removed, the event.
        AdminApi.Created client = await _admin.CreateAsync("BI");
        using (_counter.Measure())
        {
            using HttpResponseMessage response = await _admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        AssertRoundTrips(6);
    }

    [Fact]
    public async Task List_IsOneRangeQueryPerPage()
    {
        for (int i = 0; i < 3; i++)
        {
            await _admin.CreateAsync($"client-{i}");
        }

        using (_counter.Measure())
        {
            (HttpResponseMessage response, _) = await _admin.GetJsonAsync("/api/clients?pageSize=2");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        AssertRoundTrips(1);
    }

    [Fact]
    public async Task NoChange_WritesNothing()
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        using (_counter.Measure())
        {
            using HttpResponseMessage response = await _admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", "{}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(["GET"], _counter.Requests.Select(request => request.Split(' ')[0]));
    }

    private void AssertRoundTrips(int expected) =>
        Assert.True(_counter.Count == expected, $"expected {expected} round trips, got {_counter.Count}: {string.Join(", ", _counter.Requests)}");
}
