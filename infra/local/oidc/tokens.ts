/**
 * The local issuer's signing key (RS256, kept in the data folder so tokens
 * survive a restart) and the ID and access tokens it signs for a demo user.
 */
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import * as z from "zod";
import { actorClaimsOf, amrOf, type DemoUser } from "./directory.ts";

/** Token lifetime: Cognito's default for ID and access tokens. */
export const TOKEN_LIFETIME_SECONDS = 3600;
export const ALGORITHM = "RS256";

export interface TokenResponse {
  readonly access_token: string;
  readonly id_token: string;
  readonly token_type: "Bearer";
  readonly expires_in: number;
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export class UnknownUserError extends Error {
  constructor(userId: string) {
    super(`No demo user ${userId}`);
    this.name = "UnknownUserError";
  }
}

const keyFileSchema = z.object({ privateJwk: z.record(z.string(), z.unknown()) });

/** The private JWK of the data folder, generated and written (owner-only) on first use. */
async function privateJwkOf(file: string): Promise<JWK> {
  try {
    return keyFileSchema.parse(JSON.parse(await readFile(file, "utf8"))).privateJwk as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const pair = await generateKeyPair(ALGORITHM, { extractable: true, modulusLength: 2048 });
    const privateJwk = await exportJWK(pair.privateKey);
    // Readable by the owner only: it is a private key, even if only a local one.
    await writeFile(file, `${JSON.stringify({ privateJwk }, null, 2)}\n`, { mode: 0o600 });
    return privateJwk;
  }
}

/** The key pair is generated once and kept in the data folder, so tokens survive a restart. */
export async function signingKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, "signing-key.json");
  const privateJwk = await privateJwkOf(file);
  const { kty, n, e } = privateJwk;
  if (kty !== "RSA" || !n || !e) throw new Error(`${file} holds no RSA key`);
  const publicJwk: JWK = { kty, n, e };
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  if (!(privateKey instanceof CryptoKey)) throw new Error(`${file} holds no usable RSA key`);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: ALGORITHM, use: "sig" } };
}

/** What signing needs besides the user: the key, the issuer URL (known once listening), the audience. */
export interface TokenContext {
  readonly key: SigningKey;
  readonly issuer: string;
  readonly audience: string;
}

/** Signs the ID and access token of a user for one app client (`aud`), as `/token` answers them. */
export async function signTokens(
  context: TokenContext,
  user: DemoUser,
  nonce?: string,
): Promise<TokenResponse> {
  const { key, issuer, audience } = context;
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: JWTPayload) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .setJti(randomUUID())
      .sign(key.privateKey);
  // Both tokens carry the actor claims: behind Cognito the web app sends the ID
  // token (Cognito puts custom attributes only there), so either must work.
  const claims = { ...actorClaimsOf(user), amr: amrOf(user), auth_time: now };
  const [idToken, accessToken] = await Promise.all([
    sign({ ...claims, token_use: "id", ...(nonce ? { nonce } : {}) }),
    sign({ ...claims, token_use: "access", client_id: audience, scope: "openid profile" }),
  ]);
  return {
    access_token: accessToken,
    id_token: idToken,
    token_type: "Bearer",
    expires_in: TOKEN_LIFETIME_SECONDS,
  };
}
