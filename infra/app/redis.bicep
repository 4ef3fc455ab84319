// Azure Managed Redis (Microsoft.Cache/redisEnterprise): the validate path's cache. One database, `default`,
// on TLS port 10000, reached with Entra ID only: access keys are off, and the app's user-assigned identity is
// the one user, through an access policy assignment. No secret exists for Redis anywhere.
//
// OSS cluster: clients see the shards and follow the slots themselves (StackExchange.Redis does). Every
// command and script of the service touches one slot: the keys of one call share a hash tag, and each bucket's
// generation (`blue:{xyz}:gen`), the fence of its fills, lives in the slot of the entries it fences.

param name string
param location string
param tags object

@description('Azure Managed Redis SKU, e.g. Balanced_B0 (the smallest Balanced size), Balanced_B1, MemoryOptimized_M10, ComputeOptimized_X3.')
param skuName string

@description('Principal (object) id of the user-assigned identity that gets the default access policy on the database.')
param principalId string

@allowed([
  'Enabled'
  'Disabled'
])
@description('Disabled with privateNetworking: the app reaches the cluster through its private endpoint (network.bicep).')
param publicNetworkAccess string

// The database port of Azure Managed Redis (TLS); Redis__Endpoint below is built from it.
var port = 10000

resource cluster 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    // A replica on another node: a node's loss is a failover, not an empty cache.
    highAvailability: 'Enabled'
    minimumTlsVersion: '1.2'
    // Either way, access needs TLS and an Entra ID token.
    publicNetworkAccess: publicNetworkAccess
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: cluster
  name: 'default'
  properties: {
    port: port
    clientProtocol: 'Encrypted'
    clusteringPolicy: 'OSSCluster'
    // Under memory pressure evict the keys nearest their end first, and never a key without one. Every key
    // of the service has a lifetime except the per-bucket generations (`blue:{xyz}:gen`), the fence against
    // an emptied Redis or shard, which must never go before the entries they fence: a volatile policy never
    // evicts them. Among the volatile ones, VolatileTTL lets a fresh revocation marker (the longest lifetime
    // of all: Cache__MaxEntryLifetime plus the fill deadline) go last; with the default, VolatileLRU, a marker
    // written a moment ago and not read since could be evicted while a stale fill is in flight. Size the cache
    // so that it never evicts, and alert on the Evicted Keys metric.
    evictionPolicy: 'VolatileTTL'
    // No persistence: a snapshot restored after a restart would bring back cache entries revoked since it was
    // taken. An emptied cache is a case the service designs for (the generations); a resurrected one is not.
    persistence: {
      aofEnabled: false
      rdbEnabled: false
    }
    accessKeysAuthentication: 'Disabled'
  }
}

// Entra ID access for the app: the identity's object id gets the built-in `default` policy (the only one the
// API accepts). The assignment's name allows letters and digits only.
resource appAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-07-01' = {
  parent: database
  name: 'apiidentity'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: principalId
    }
  }
}

output name string = cluster.name
output hostName string = cluster.properties.hostName
// Redis__Endpoint: what StackExchange.Redis connects to first; in an OSS cluster it then learns the shards.
output endpoint string = '${cluster.properties.hostName}:${port}'
