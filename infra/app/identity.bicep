// The one identity the function app uses for everything it reaches: storage (host and data), Redis, Key Vault
// references, Application Insights. No keys or connection strings to storage or Redis exist anywhere.

@description('Name of the user-assigned managed identity.')
param name string

param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
