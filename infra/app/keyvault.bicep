// Key Vault with RBAC authorization (no access policies) for the secrets the app settings reference: the
// AES-256-GCM key of Tokens__EncryptionKey and, during a rotation, the earlier keys. Redis has no secret: the
// app signs in to it with its identity (see redis.bicep).

param name string
param location string
param tags object

@allowed([
  'Enabled'
  'Disabled'
])
@description('Disabled with privateNetworking: the app reads its secrets through the private endpoint (network.bicep). The template still writes them: that goes through Azure Resource Manager, not the vault\'s network.')
param publicNetworkAccess string

@secure()
@description('Base64 of 32 random bytes: the current Tokens__EncryptionKey.')
param tokensEncryptionKey string

@secure()
@description('Earlier keys still read during a rotation (Tokens__PreviousEncryptionKeys), comma-separated; empty for none.')
param tokensPreviousEncryptionKeys string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // tokens-encryption-key is the only copy in Azure of the key every stored token is encrypted under: a
    // deleted vault or secret must stay recoverable, by nobody purgeable, for as long as a deletion may go
    // unnoticed. 90 days, the maximum, spans a quarter (see infra/README.md). Neither can be changed later.
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'None'
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
    }
  }
}

resource encryptionKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'tokens-encryption-key'
  properties: {
    value: tokensEncryptionKey
    contentType: 'base64 of 32 bytes (AES-256-GCM key)'
  }
}

resource previousEncryptionKeys 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(tokensPreviousEncryptionKeys)) {
  parent: vault
  name: 'tokens-previous-encryption-keys'
  properties: {
    value: tokensPreviousEncryptionKeys
    contentType: 'comma-separated base64 keys, read only'
  }
}

output name string = vault.name
// Versionless URIs: the Functions platform follows the latest version of each secret.
output encryptionKeyUri string = encryptionKey.properties.secretUri
output previousEncryptionKeysUri string = previousEncryptionKeys.?properties.secretUri ?? ''
