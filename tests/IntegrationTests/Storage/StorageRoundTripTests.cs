using System.Net;
using Azure.Data.Tables;
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
    public async Task Create_IsOneCounterReadOneLookupInsertAndOneTransaction()
    {
        _counter.Reset();
        await _admin.CreateAsync("BI");
        Assert.Equal(3, _counter.Count);
    }

    [Fact]
    public async Task Get_IsOnePointRead()
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        _counter.Reset();
        (HttpResponseMessage response, _) = await _admin.GetJsonAsync($"/api/clients/{client.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _counter.Count);
    }

    [Theory]
    [InlineData("PATCH", "", """{"name":"Renamed"}""")]
    [InlineData("POST", "/disable", null)]
    [InlineData("GET", "/token", null)]
    public async Task SingleClientChange_IsOneReadAndOneTransaction(string method, string suffix, string? body)
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        _counter.Reset();
        using HttpResponseMessage response = await _admin.SendAsync(new HttpMethod(method), $"/api/clients/{client.Id}{suffix}", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _counter.Count);
    }

    [Fact]
    public async Task Regenerate_IsLookupInsertReadTransactionAndOldLookupRemoval()
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        _counter.Reset();
        using HttpResponseMessage response = await _admin.PostAsync($"/api/clients/{client.Id}/token/regenerate");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, _counter.Count);
    }

    [Fact]
    public async Task Delete_IsTwoReadsOneTransactionAndOneLookupRemoval()
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        _counter.Reset();
        using HttpResponseMessage response = await _admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(4, _counter.Count);
    }

    [Fact]
    public async Task List_IsOneRangeQueryPerPage()
    {
        for (int i = 0; i < 3; i++)
        {
            await _admin.CreateAsync($"client-{i}");
        }

        _counter.Reset();
        (HttpResponseMessage response, _) = await _admin.GetJsonAsync("/api/clients?pageSize=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _counter.Count);
    }

    [Fact]
    public async Task NoChange_WritesNothing()
    {
        AdminApi.Created client = await _admin.CreateAsync("BI");
        _counter.Reset();
        using HttpResponseMessage response = await _admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", "{}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["GET"], _counter.Requests.Select(request => request.Split(' ')[0]));
    }
}
