// The one application/x-www-form-urlencoded reader (shared/http/params.ts) and the two built on it:
// the strict single-valued parameters of the token function, the every-value parameters of /authorize.
import { describe, expect, it } from 'vitest';
import { ErrorPage, parseRawParams } from '../../functions/authorize/request.ts';
import { OAuthError } from '../../shared/errors.ts';
import { decodeForm, parseUrlEncoded } from '../../shared/http/params.ts';

describe('decodeForm', () => {
  it.each([
    [
      'a=1&b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    [
      'a=1&a=2',
      [
        ['a', '1'],
        ['a', '2'],
      ],
    ],
    [
      'a=&b',
      [
        ['a', ''],
        ['b', ''],
      ],
    ],
    ['&&a=x=y&', [['a', 'x=y']]],
    ['a+b=c+d%2B', [['a b', 'c d+']]],
    ['n=%C3%A9', [['n', 'é']]],
    ['__proto__=x', [['__proto__', 'x']]],
    ['', []],
  ])('reads %j', (text, pairs) => {
    expect(decodeForm(text)).toEqual(pairs);
  });

  it.each(['a=%zz', 'a=%', '%E0%A4%A=1', 'a=%C3%28', 'a=1&b=%FF'])('refuses %j', (text) => {
    expect(decodeForm(text)).toBeUndefined();
  });
});

describe('the readers built on it', () => {
  it('keep every value for /authorize, empty values left out', () => {
    expect([...parseRawParams('resource=a&scope=&resource=b&x=1')]).toEqual([
      ['resource', ['a', 'b']],
      ['x', ['1']],
    ]);
  });

  it('refuse a repeat for the token function (RFC 6749 §3.1)', () => {
    expect(() => parseUrlEncoded('scope=a&scope=b', 'the body')).toThrow(OAuthError);
  });

  it('refuse a malformed escape each in its own terms', () => {
    expect(() => parseUrlEncoded('a=%zz', 'the body')).toThrow(
      new OAuthError('invalid_request', 'the body has a malformed percent-escape or invalid UTF-8'),
    );
    expect(() => parseRawParams('a=%zz')).toThrow(ErrorPage);
  });
});
