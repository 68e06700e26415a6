import { SignJWT } from 'jose';

/** The local default secret: documented, for a laptop only. Deployed stacks read theirs from Secrets Manager. */
export const DEV_JWT_SECRET = 'local-dev-only-secret-do-not-deploy-0123456789';

/** Signs an HS256 token like the dashboard's auth system would. */
export function signToken(
  secret: string,
  claims: { sub: string; role?: string; 'cognito:groups'?: string[] },
  expiresIn = '12h',
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
