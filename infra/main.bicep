// BLUE access token service: everything `azd up` provisions, in one resource group.
// Modules under app/ hold one concern each; this file names things and wires outputs to inputs.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for all resources. It must offer the Flex Consumption plan (`az functionapp list-flexconsumption-locations`).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@minValue(0)
@maxValue(20)
@description('Always-ready instances for the HTTP functions (the validate path): no cold start at the cost of idle instances. 0 scales to zero.')
param alwaysReadyInstances int = 0

@minValue(1)
@maxValue(1000)
@description('Upper bound on instances the app may scale out to.')
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minLength(1)
@description('Azure Managed Redis SKU. Balanced_B0 (the smallest Balanced size) by default; any Balanced_, MemoryOptimized_ or ComputeOptimized_ size the region offers. Always an OSS cluster with high availability (see app/redis.bicep).')
param redisSku string = 'Balanced_B0'

@description('OIDC authority whose discovery document gives the signing keys of admin JWTs (Auth__Authority).')
param authAuthority string

@description('Issuer (`iss`) admin JWTs must carry (Auth__Issuer).')
param authIssuer string

@description('Audience (`aud`) admin JWTs must carry (Auth__Audience).')
param authAudience string

@description('Claim that carries the tenant (Auth__TenantClaim).')
param authTenantClaim string = 'tid'

@description('Role that may manage tokens (Auth__AdminRole).')
param authAdminRole string = 'TokenAdmin'

@description('Client id of the Access Token Management page at the OIDC authority: a public client (single-page application) whose redirect URI is https://<app>.azurewebsites.net/api/ui/ (Auth__UiClientId). Empty: the page asks for a pasted bearer token.')
param authUiClientId string = ''

@description('Scopes the page asks for: openid and the API scope, so that the access token is for authAudience, e.g. openid profile api://<api-app-id>/<scope> (Auth__UiScope). Required with authUiClientId.')
param authUiScope string = ''

@secure()
@minLength(44)
@maxLength(44)
@description('Tokens__EncryptionKey: base64 of 32 random bytes (`openssl rand -base64 32`). Stored only as the Key Vault secret tokens-encryption-key.')
param tokensEncryptionKey string

@secure()
@description('Tokens__PreviousEncryptionKeys during a rotation: earlier keys, comma-separated, read but never written. Empty otherwise.')
param tokensPreviousEncryptionKeys string = ''

@description('NCRONTAB schedule of the expiry timer (Expiry__Schedule).')
param expirySchedule string = '0 */5 * * * *'

@description('Storage queue for lifecycle events (Events__QueueName).')
param eventsQueueName string = 'token-events'

@description('Origins whose browser pages may call the API (the BLUE interface\'s, e.g. https://blue.example.com), comma-separated, each exactly scheme://host[:port], never *: the app\'s platform CORS, and Cors__AllowedOrigins, which the app checks at start-up. Empty: none.')
param corsAllowedOrigins string = ''

@description('GitHub secret scanning\'s public keys (SecretScanning__KeysUrl), such as https://api.github.com/meta/public_keys/secret_scanning: turns on POST /api/secret-scanning/report. Empty: off.')
// A public URL (where GitHub publishes public keys), not a secret: the linter goes by the name alone.
#disable-next-line secure-secrets-in-params
param secretScanningKeysUrl string = ''

@description('Put storage, Key Vault and Redis behind private endpoints in a virtual network the app joins, with their public network access off. Off for the quick start; turn it on for production (see infra/README.md).')
param privateNetworking bool = false

var tags = {
  'azd-env-name': environmentName
}

// Short, stable, unique per subscription, environment and region: keeps global names (storage, vault,
// Redis, the app's host name) free of collisions between environments.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var functionAppName = 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'

// Every blob container the identity may use, each declared and granted on its own (rbac.bicep): the deployment
// package, and the Functions host's locks (timer schedule, host lease) and keys in AzureWebJobsStorage.
var blobContainerNames = [
  deploymentContainerName
  'azure-webjobs-hosts'
  'azure-webjobs-secrets'
]

var publicNetworkAccess = privateNetworking ? 'Disabled' : 'Enabled'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    blobContainerNames: blobContainerNames
    eventsQueueName: eventsQueueName
    publicNetworkAccess: publicNetworkAccess
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    publicNetworkAccess: publicNetworkAccess
    tokensEncryptionKey: tokensEncryptionKey
    tokensPreviousEncryptionKeys: tokensPreviousEncryptionKeys
  }
}

module redis 'app/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    name: 'redis-${resourceToken}'
    location: location
    tags: tags
    skuName: redisSku
    principalId: identity.outputs.principalId
    publicNetworkAccess: publicNetworkAccess
  }
}

module network 'app/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    redisName: redis.outputs.name
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    blobContainerNames: blobContainerNames
    eventsQueueName: eventsQueueName
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
    encryptionKeySecretUri: keyVault.outputs.encryptionKeyUri
    previousEncryptionKeysSecretUri: keyVault.outputs.previousEncryptionKeysUri
    redisEndpoint: redis.outputs.endpoint
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstances: alwaysReadyInstances
    authAuthority: authAuthority
    authIssuer: authIssuer
    authAudience: authAudience
    authTenantClaim: authTenantClaim
    authAdminRole: authAdminRole
    authUiClientId: authUiClientId
    authUiScope: authUiScope
    expirySchedule: expirySchedule
    eventsQueueName: eventsQueueName
    corsAllowedOrigins: corsAllowedOrigins
    secretScanningKeysUrl: secretScanningKeysUrl
  }
  // The app resolves its Key Vault references and opens storage at first start: grant access before it exists.
  dependsOn: [
    rbac
  ]
}

// Read by azd (and stored in .azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_REDIS_NAME string = redis.outputs.name
output AZURE_REDIS_HOST_NAME string = redis.outputs.hostName
output AZURE_REDIS_ENDPOINT string = redis.outputs.endpoint
