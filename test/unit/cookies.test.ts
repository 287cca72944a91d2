// The one cookie reader (shared/http/cookies.ts): readCookie for the authorize function's session and the
// local gateway's cookie token location, readSoleCookie for a resource's bearer cookie, setCookiePair for
// the clients that send a cookie back.
import { describe, expect, it } from 'vitest';
import { readCookie, readSoleCookie, setCookiePair } from '../../shared/http/cookies.ts';

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
    ['a; a=3', 'a', '3'],
    ['a', 'a', undefined],
    ['a=', 'a', ''],
    ['a=""', 'a', '""'],
    ['a="x y"', 'a', '"x y"'],
    ['', 'a', undefined],
    [null, 'a', undefined],
    [undefined, 'a', undefined],
  ])('in %j reads %s as %j', (header, name, value) => {
    expect(readCookie(header, name)).toBe(value);
  });

  it.each([
    ['a="x y"', 'x y'],
    ['a=""', ''],
    ['a="x', '"x'],
    ['a=x"', 'x"'],
    ['a=x', 'x'],
    ['a="1"; a="2"', '1'],
  ])('unquoted, in %j reads a as %j', (header, value) => {
    expect(readCookie(header, 'a', { unquote: true })).toBe(value);
  });
});

describe('readSoleCookie', () => {
  it.each([
    ['a=1; b=2', 'a', { doubled: false, value: '1' }],
    [' b = 2 ', 'b', { doubled: false, value: '2' }],
    ['ab=1; a=2; ba=3', 'a', { doubled: false, value: '2' }],
    ['a; =1; b=2', 'a', { doubled: false, value: undefined }],
    ['a=', 'a', { doubled: false, value: '' }],
    ['a=1; a=2', 'a', { doubled: true }],
    ['a=1; a=1', 'a', { doubled: true }],
    ['a=; a=', 'a', { doubled: true }],
    ['a=1;b=2;a=3', 'a', { doubled: true }],
    ['a=1; A=2', 'a', { doubled: false, value: '1' }],
    ['', 'a', { doubled: false, value: undefined }],
    [null, 'a', { doubled: false, value: undefined }],
    [undefined, 'a', { doubled: false, value: undefined }],
  ])('in %j reads %s as %j', (header, name, read) => {
    expect(readSoleCookie(header, name)).toEqual(read);
  });

  it.each([
    ['id_token="x.y.z"', { doubled: false, value: 'x.y.z' }],
    ['id_token=x.y.z', { doubled: false, value: 'x.y.z' }],
    ['id_token="x.y.z"; id_token=x.y.z', { doubled: true }],
  ])('unquoted, in %j reads id_token as %j', (header, read) => {
    expect(readSoleCookie(header, 'id_token', { unquote: true })).toEqual(read);
  });

  it('keeps the quotes unless asked', () => {
    expect(readSoleCookie('a="1"', 'a')).toEqual({ doubled: false, value: '"1"' });
  });
});

describe('setCookiePair', () => {
  it.each([
    ['sid=abc; Path=/; HttpOnly', 'sid=abc'],
    ['__Host-oauth_session=x.y; Path=/; Max-Age=600; Secure', '__Host-oauth_session=x.y'],
    ['sid=abc', 'sid=abc'],
    ['sid=; Max-Age=0', 'sid='],
    ['', ''],
  ])('%j sends back %j', (setCookie, pair) => {
    expect(setCookiePair(setCookie)).toBe(pair);
  });
});
