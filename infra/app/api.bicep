// The Flex Consumption plan and the function app (.NET isolated worker), with every app setting the service
// reads in Azure. Secrets arrive as Key Vault references resolved with the user-assigned identity; storage and
// Redis are reached with the same identity (the `__serviceUri` / `__credential` / `__clientId` form), never a key.

param name string
param planName string
param location string
param tags object

@description('Resource id and client id of the user-assigned identity the app runs as.')
param identityId string
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string

@description('With privateNetworking, the subnet (delegated to Microsoft.App/environments) the app joins to reach storage, Key Vault and Redis through their private endpoints; empty otherwise.')
param virtualNetworkSubnetId string

@description('Versionless Key Vault secret URIs.')
param encryptionKeySecretUri string
param previousEncryptionKeysSecretUri string

@description('Azure Managed Redis endpoint, host:10000 (Redis__Endpoint); reached with the identity, no key.')
param redisEndpoint string

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@minValue(0)
@description('Instances kept warm for the HTTP functions (validate among them); 0 scales to zero.')
param alwaysReadyInstances int

param authAuthority string
param authIssuer string
param authAudience string
param authTenantClaim string
param authAdminRole string
param authUiClientId string
param authUiScope string
param expirySchedule string
param eventsQueueName string

@description('Comma-separated exact origins whose pages may call the API from a browser (Cors__AllowedOrigins); empty: none.')
param corsAllowedOrigins string

@description('Where GitHub secret scanning\'s public keys are read (SecretScanning__KeysUrl); empty: the report endpoint is off.')
// A public URL, not a secret: the linter goes by the name alone.
#disable-next-line secure-secrets-in-params
param secretScanningKeysUrl string

// The platform answers CORS in front of the app (preflight included), for these origins only; the same list goes
// to the app as Cors__AllowedOrigins, whose start-up check refuses a wildcard or anything but an exact origin.
var corsOrigins = filter(map(split(corsAllowedOrigins, ','), origin => trim(origin)), origin => !empty(origin))

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  // azd finds the app to deploy `services.api` to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    // Flex Consumption VNet integration: the app reaches storage, Redis and Key Vault (its references too)
    // from this subnet, where the private DNS zones resolve them to their private endpoints.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: corsOrigins
        // Admins send a bearer token, never a cookie: no credentials, so no page can ride on a signed-in session.
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Flex Consumption scales all HTTP functions as one group named `http`, so the validate path is kept
        // warm through that group (a per-function `function:<name>` entry applies to non-HTTP triggers only).
        alwaysReady: alwaysReadyInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'dotnet-isolated'
        // The project targets net10.0. The API version types this as a free string; the platform accepts the
        // versions its region offers (`az functionapp list-flexconsumption-runtimes`).
        version: '10.0'
      }
    }
  }
}

// Secrets never appear here: the keys are Key Vault references, resolved by the platform with
// keyVaultReferenceIdentity. FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not set on Flex
// Consumption: functionAppConfig.runtime takes their place.
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    AZURE_FUNCTIONS_ENVIRONMENT: 'Production'
    TokenStorage__tableServiceUri: storageTableEndpoint
    TokenStorage__queueServiceUri: storageQueueEndpoint
    TokenStorage__credential: 'managedidentity'
    TokenStorage__clientId: identityClientId
    Redis__Endpoint: redisEndpoint
    Redis__Credential: 'managedidentity'
    Redis__ClientId: identityClientId
    Tokens__EncryptionKey: '@Microsoft.KeyVault(SecretUri=${encryptionKeySecretUri})'
    // Empty (no earlier keys) except during a rotation; see infra/README.md.
    Tokens__PreviousEncryptionKeys: empty(previousEncryptionKeysSecretUri)
      ? ''
      : '@Microsoft.KeyVault(SecretUri=${previousEncryptionKeysSecretUri})'
    Auth__Authority: authAuthority
    Auth__Issuer: authIssuer
    Auth__Audience: authAudience
    Auth__TenantClaim: authTenantClaim
    Auth__AdminRole: authAdminRole
    Auth__UiClientId: authUiClientId
    Auth__UiScope: authUiScope
    Expiry__Schedule: expirySchedule
    Events__QueueName: eventsQueueName
    Cors__AllowedOrigins: join(corsOrigins, ',')
    SecretScanning__KeysUrl: secretScanningKeysUrl
  }
}

// Deployments (azd, zip deploy) authenticate with Entra ID; basic publishing credentials stay off.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
