// The fake Tencent Cloud answers only error codes Tencent documents: a deploy script that handles a code
// the fake made up would pass its tests and fail against the real cloud.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeTencentCloud } from '../support/fake-tencent-cloud.ts';
import {
  APIGATEWAY_ERROR_CODES,
  COMMON_ERROR_CODES,
  documentedCodes,
  SCF_ERROR_CODES,
} from '../support/tencent-error-codes.ts';

const FAKE = resolve(import.meta.dirname, '../support/fake-tencent-cloud.ts');

/** Every error code written in the fake's source: `new ApiError('Code'`, `refuse('Code'` and templates. */
function codesInFake(): string[] {
  const text = readFileSync(FAKE, 'utf8');
  const literal = [...text.matchAll(/(?:new ApiError|refuse)\(\s*'([^']+)'/g)].map((m) => m[1]!);
  const templated = [...text.matchAll(/(?:new ApiError|refuse)\(\s*`([^`]+)`/g)].map((m) => m[1]!);
  // The one template: FailedOperation.<action>, for the two actions activeFn is declared with.
  const actions = /action: ('[A-Za-z]+'(?: \| '[A-Za-z]+')*)/.exec(text)?.[1]?.match(/[A-Za-z]+/g) ?? [];
  expect(templated).toEqual([`FailedOperation.\${action}`]);
  expect(actions.length).toBeGreaterThan(0);
  return [...literal, ...actions.map((a) => `FailedOperation.${a}`)];
}

describe('the fake Tencent Cloud', () => {
  it('answers only error codes the SDK error lists or the common error codes document', () => {
    const codes = codesInFake();
    expect(codes.length).toBeGreaterThan(20);
    const documented = new Set<string>([
      ...COMMON_ERROR_CODES,
      ...SCF_ERROR_CODES,
      ...APIGATEWAY_ERROR_CODES,
    ]);
    expect(codes.filter((c) => !documented.has(c))).toEqual([]);
  });

  it('answers none of the codes that do not exist', () => {
    // Made-up codes once answered here, with the documented code that replaced each.
    const made = [
      'LimitExceeded.Environment', // InvalidParameterValue.EnvironmentExceededLimit
      'InvalidParameterValue.Timeout', // LimitExceeded.Timeout
      'InvalidParameterValue.PublicKey', // InvalidParameterValue.InvalidPublicKey
      'ResourceNotFound.Domain', // FailedOperation.Domain.UnExist
      'ResourceInUse.Domain',
      'InvalidParameterValue.PathMatch',
      'InvalidParameterValue.Protocol',
      'InvalidParameterValue.CertConfig',
    ];
    expect(codesInFake().filter((c) => made.includes(c))).toEqual([]);
  });

  it('refuses to inject a failure with a code the service does not document', () => {
    const cloud = new FakeTencentCloud();
    expect(() => cloud.failNext('CreateFunction', 'InvalidParameterValue.Timeout' as never, 'x')).toThrow(
      'scf documents no error InvalidParameterValue.Timeout',
    );
    expect(() =>
      cloud.failNext('ModifyApi', 'FailedOperation.Domain.UnExist', 'an scf code on an API Gateway action'),
    ).toThrow('apigateway documents no error FailedOperation.Domain.UnExist');
    expect(documentedCodes('scf')).toContain('LimitExceeded.Timeout');
  });
});
