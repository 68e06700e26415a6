import type { SecretLoader } from '../domain/ports.ts';

/**
 * Reads a secret's string from Secrets Manager, once per cold start per ARN (the authenticator and the cursor
 * signer share the read). The SDK client loads on first use, so the modes that never read a secret never pay for it.
 */
export function secretsManagerLoader(region: string): SecretLoader {
  const reads = new Map<string, Promise<string>>();
  return (secretArn) => {
    let read = reads.get(secretArn);
    if (!read) {
      read = readSecret(region, secretArn);
      // A failed read is retried by the next request instead of being remembered.
      read.catch(() => reads.delete(secretArn));
      reads.set(secretArn, read);
    }
    return read;
  };
}

async function readSecret(region: string, secretArn: string): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const { SecretString } = await new SecretsManagerClient({ region }).send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!SecretString) throw new Error('The secret in Secrets Manager has no string value');
  return SecretString;
}
