// Azure Cache for Redis: the validate path's cache. TLS only (port 6380), TLS 1.2 at least.
//
// Not clustered, on purpose: the service's Lua scripts touch two keys per call (the entry and its revocation
// marker), which a cluster would refuse unless both keys hashed to one slot. Basic and Standard are never
// clustered; Premium is only when shardCount is set, and it is not set here. Keep it that way.
//
// The connection string, with the primary access key, goes straight into Key Vault from here, so that no
// secret crosses a module boundary or appears in a deployment output.

param name string
param location string
param tags object

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Basic has no replica and no SLA: development only.')
param skuName string

@minValue(0)
@maxValue(6)
@description('Cache size within the family: C0..C6 for Basic and Standard, P1..P5 for Premium.')
param capacity int

@description('Key Vault that receives the redis-connection secret.')
param keyVaultName string

resource redis 'Microsoft.Cache/redis@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
      family: skuName == 'Premium' ? 'P' : 'C'
      capacity: capacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    redisVersion: '6'
    redisConfiguration: {
      // Under memory pressure evict the keys nearest their end first, and never a key without one. Every cache
      // key has a lifetime except the cache generation (the fence against an emptied Redis), which is therefore
      // never evicted; a fresh revocation marker has the longest lifetime of all (Cache__MaxEntryLifetime plus
      // the fill deadline), so it is the last to go. With the default (volatile-lru) a marker written a moment
      // ago could in principle be evicted while a stale fill is in flight. Size the cache so that it never
      // evicts, and alert on the "Evicted Keys" metric.
      'maxmemory-policy': 'volatile-ttl'
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-connection'
  properties: {
    value: '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'
    contentType: 'StackExchange.Redis configuration string'
  }
}

output name string = redis.name
output hostName string = redis.properties.hostName
output connectionSecretUri string = connectionSecret.properties.secretUri
