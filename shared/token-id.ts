// Token ids: the `jti` of access tokens, authorization codes and refresh tokens.
import { randomBytes } from 'node:crypto';

// Token ids (`jti`, 128 bits) are cut from 4 KB of CSPRNG output drawn at once, as Node's own
// randomUUID does: one call into OpenSSL per 256 ids instead of one per id. No byte is handed out twice.
const ID_BYTES = 16;
const POOL_BYTES = 256 * ID_BYTES;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export function newTokenId(): string {
  if (poolOffset + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
}
