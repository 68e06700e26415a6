import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretLoader } from '../domain/ports.ts';

/**
 * Reads a secret's string from Secrets Manager, once per cold start per ARN (the authenticator and the cursor
 * signer share the read). The client is created on first use. (A lazy `import()` of the SDK was tried: esbuild then
 * keeps the whole package, 29 KiB instead of the 13 KiB tree-shaken static import.)
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
  const { SecretString } = await new SecretsManagerClient({ region }).send(
    new GetSecretValueCommand({ SecretId: secretArn }),
  );
  if (!SecretString) throw new Error('The secret in Secrets Manager has no string value');
  return SecretString;
}
