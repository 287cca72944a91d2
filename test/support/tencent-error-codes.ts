// Error codes Tencent documents, for the fake cloud: every code it answers must be one of these, so a
// deploy script handling a code the fake makes up is caught. Only the codes the fake and the deploy
// scripts use are listed, each checked by hand against its source (no code is generated from them).

/**
 * Common error codes of Tencent Cloud API 3.0, answered by every service: the "Error Codes" page of
 * each product's API documentation, section "Common Error Codes" (e.g. tencentcloud.com/document/api/1227/61822).
 */
export const COMMON_ERROR_CODES = [
  'AuthFailure.InvalidAuthorization',
  'AuthFailure.SecretIdNotFound',
  'AuthFailure.SignatureExpire',
  'AuthFailure.SignatureFailure',
  'InternalError',
  'InvalidAction',
  'InvalidParameter',
  'InvalidParameterValue',
  'MissingParameter',
  'NoSuchVersion',
  'ResourceNotFound',
  'UnsupportedOperation',
] as const;

/**
 * SCF 2018-04-16: TencentCloud/tencentcloud-sdk-go v1.3.166, tencentcloud/scf/v20180416/errors.go (and the
 * per-action lists in client.go: GetCustomDomain answers FailedOperation.Domain.UnExist for a missing
 * domain, CreateCustomDomain FailedOperation.CNAME or InvalidParameterValue.Domain).
 */
export const SCF_ERROR_CODES = [
  'FailedOperation.CNAME',
  'FailedOperation.Domain.UnExist',
  'FailedOperation.UpdateFunctionCode',
  'FailedOperation.UpdateFunctionConfiguration',
  'InvalidParameterValue.Domain',
  'InvalidParameterValue.Environment',
  'InvalidParameterValue.EnvironmentExceededLimit',
  'InvalidParameterValue.FunctionName',
  'InvalidParameterValue.Handler',
  'InvalidParameterValue.MemorySize',
  'InvalidParameterValue.Runtime',
  'InvalidParameterValue.TriggerDesc',
  'InvalidParameterValue.Type',
  'InvalidParameterValue.ZipFile',
  'LimitExceeded.Function',
  'LimitExceeded.Timeout',
  'ResourceInUse.Function',
  'ResourceInUse.Trigger',
  'ResourceNotFound.Function',
] as const;

/**
 * API Gateway 2018-08-08: TencentCloud/tencentcloud-sdk-go v1.3.166,
 * tencentcloud/apigateway/v20180808/errors.go (ModifyApi's list in client.go names InvalidPublicKey and
 * ResourceNotFound.InvalidOauthApi; ReleaseService's FailedOperation.ServiceInOperation).
 */
export const APIGATEWAY_ERROR_CODES = [
  'FailedOperation.ServiceInOperation',
  'InvalidParameterValue.InvalidPublicKey',
  'ResourceNotFound.InvalidApi',
  'ResourceNotFound.InvalidOauthApi',
  'ResourceNotFound.InvalidService',
] as const;

export type TencentErrorCode =
  | (typeof COMMON_ERROR_CODES)[number]
  | (typeof SCF_ERROR_CODES)[number]
  | (typeof APIGATEWAY_ERROR_CODES)[number];

/** The codes `service` documents, common ones included. */
export function documentedCodes(service: string): readonly string[] {
  const own = service === 'scf' ? SCF_ERROR_CODES : service === 'apigateway' ? APIGATEWAY_ERROR_CODES : [];
  return [...COMMON_ERROR_CODES, ...own];
}
