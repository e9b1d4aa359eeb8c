import { randomBytes, timingSafeEqual } from 'node:crypto';

/** What a token may do (least privilege: replicas only ever get `discovery`). */
export type Role = 'admin' | 'viewer' | 'discovery';

/** A fresh random bearer token (256 bits). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Maps presented tokens to roles in constant time per comparison. */
export class TokenStore {
  readonly #tokens: { token: Buffer; role: Role }[] = [];

  add(token: string, role: Role): void {
    this.#tokens.push({ token: Buffer.from(token), role });
  }

  /** The role of `authorization` (`Bearer <token>`), or undefined. */
  roleOf(authorization: string | undefined): Role | undefined {
    const match = /^Bearer ([A-Za-z0-9_-]{16,256})$/.exec(authorization ?? '');
    if (!match?.[1]) return undefined;
    const presented = Buffer.from(match[1]);
    let role: Role | undefined;
    for (const entry of this.#tokens) {
      if (entry.token.length === presented.length && timingSafeEqual(entry.token, presented))
        role = entry.role;
    }
    return role;
  }
}
