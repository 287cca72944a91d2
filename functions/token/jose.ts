// The parts of jose the client assertions use, loaded with the first assertion (client-assertion.ts)
// rather than at every cold start: the build keeps jose apart, in vendor/jose.js.
export { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
