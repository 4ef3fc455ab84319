// What the function app's identity may do, each grant on the narrowest resource that needs it. Redis data
// access is not an Azure role: it is the access policy assignment on the database, in redis.bicep.
//
// Storage, by service:
// - Blobs: only the Functions host and the platform use them, in the containers storage.bicep declares (the
//   deployment package, the host's locks and keys). Storage Blob Data Owner on each container, not the account.
// - Queues: the service writes lifecycle events to one queue, declared in storage.bicep; the host uses no
//   queue (no queue or blob trigger). Storage Queue Data Contributor on that queue.
// - Tables: on the account. The service creates its tables on first use, named with Storage__TablePrefix,
//   and the host writes its diagnostic events to tables it names by month: no fixed list to scope to.

@description('Principal (object) id of the user-assigned identity.')
param principalId string

param storageAccountName string

@description('The blob containers the identity owns (storage.bicep declares them).')
param blobContainerNames array

@description('The lifecycle event queue (Events__QueueName), the only queue the identity writes.')
param eventsQueueName string

param keyVaultName string
param applicationInsightsName string

// Built-in role definitions (the same GUIDs in every tenant).
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // the service's tables
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // lifecycle events
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // the host's containers, the deployment package
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault references in app settings
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb' // telemetry with Entra ID auth

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource containers 'containers' existing = [
      for containerName in blobContainerNames: {
        name: containerName
      }
    ]
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource eventsQueue 'queues' existing = {
      name: eventsQueueName
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageTableDataContributor)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
  }
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueService::eventsQueue.id, principalId, storageQueueDataContributor)
  scope: storage::queueService::eventsQueue
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  }
}

resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (containerName, i) in blobContainerNames: {
    name: guid(storage::blobService::containers[i].id, principalId, storageBlobDataOwner)
    scope: storage::blobService::containers[i]
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    }
  }
]

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}
