import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretLoader } from '../http/auth.ts';

/** Reads the HS256 secret from Secrets Manager; called once per cold start by the authenticator. */
export function secretsManagerLoader(region: string): SecretLoader {
  return async (secretArn) => {
    const client = new SecretsManagerClient({ region });
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error('The JWT secret in Secrets Manager has no string value');
    return SecretString;
  };
}
