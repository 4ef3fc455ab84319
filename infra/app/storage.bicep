// One storage account for the Functions host (AzureWebJobsStorage), the Flex Consumption deployment package,
// and the service's own data: the tables (source of truth) and the lifecycle event queue.
// Shared-key access is off: every caller authenticates with Entra ID (the app's managed identity).

param name string
param location string
param tags object

@description('Blob containers to declare: the Flex Consumption deployment package and the Functions host\'s own (see main.bicep). The app\'s blob role is scoped to each, so none may be left to the host to create.')
param blobContainerNames array

@description('Queue that receives lifecycle events (Events__QueueName). The service also creates it if absent.')
param eventsQueueName string

@allowed([
  'Enabled'
  'Disabled'
])
@description('Disabled with privateNetworking: only the private endpoints (network.bicep) reach the account.')
param publicNetworkAccess string

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: publicNetworkAccess
    // With public access off, the firewall's default says the same, for policies that audit only that.
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
    }
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [
  for containerName in blobContainerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource eventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = {
  parent: queueService
  name: eventsQueueName
}

// The tables themselves are created by the service on first use (their names carry Storage__TablePrefix).
resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
