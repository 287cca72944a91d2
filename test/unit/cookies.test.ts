// The one Cookie header reader (shared/http/cookies.ts), used by the authorize function's session and
// by the local gateway's cookie token location.
import { describe, expect, it } from 'vitest';
import { readCookie } from '../../shared/http/cookies.ts';

describe('readCookie', () => {
  it.each([
    ['a=1; b=2', 'b', '2'],
    ['a=1;b=2', 'b', '2'],
    [' id_token = x.y.z ', 'id_token', 'x.y.z'],
    ['a=1; a=2', 'a', '1'],
    ['a=x=y', 'a', 'x=y'],
    ['ab=1; a=2', 'a', '2'],
    ['A=1', 'a', undefined],
    ['=1; a', 'a', undefined],
    ['', 'a', undefined],
    [null, 'a', undefined],
    [undefined, 'a', undefined],
  ])('in %j reads %s as %j', (header, name, value) => {
    expect(readCookie(header, name)).toBe(value);
  });
});
