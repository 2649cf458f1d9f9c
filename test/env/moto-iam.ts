// moto's IAM, for tests that run as an IAM principal holding exactly a generated policy. moto
// answers IAM's Query API; this project has no IAM SDK client (not a dependency), so the few
// setup calls are made here over HTTP. They are sent while moto does not enforce IAM (its
// default): no signature is checked then, and the credential scope only routes the call.
// `enforceIam` then switches enforcement on for the rest of that moto's life (or until turned off).
//
// What moto 5.2.1 enforces once on (moto/core/authorization.py, moto/iam/access_control.py):
// - every call must be signed by a known access key (IAM user or assumed role);
// - the action must be allowed by an Allow statement of the principal's policies, and an explicit
//   Deny wins;
// - the Resource element is compared with the call's resource only for STS and IAM (and S3, SQS):
//   every other service authorizes against "*", so only statements with `"Resource": "*"` grant
//   anything there;
// - Condition blocks of identity policies are not evaluated at all (treated as met); only a role's
//   trust policy conditions on AssumeRole are.

export interface IamKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface IamUser extends IamKeys {
  arn: string;
}

const IAM_VERSION = '2010-05-08';

/** One IAM Query API call; `account` selects a moto account other than the default. Returns the XML. */
export async function iamCall(endpoint: string, action: string, params: Record<string, string>, account?: string): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: IAM_VERSION, ...params });
  const r = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      // Unchecked while enforcement is off; moto reads the service and region from the scope.
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      ...(account && { 'x-moto-account-id': account }),
    },
    body,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`moto IAM ${action}: HTTP ${r.status}: ${text.slice(0, 500)}`);
  return text;
}

function xmlField(xml: string, name: string): string {
  const v = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  if (v === undefined) throw new Error(`no <${name}> in moto's answer: ${xml.slice(0, 300)}`);
  return v;
}

/** An IAM user whose only permissions are `policy` (inline), with an access key. */
export async function createUserWithPolicy(endpoint: string, userName: string, policy: unknown, account?: string): Promise<IamUser> {
  const user = await iamCall(endpoint, 'CreateUser', { UserName: userName }, account);
  await iamCall(endpoint, 'PutUserPolicy', { UserName: userName, PolicyName: 'only', PolicyDocument: JSON.stringify(policy) }, account);
  const key = await iamCall(endpoint, 'CreateAccessKey', { UserName: userName }, account);
  return { arn: xmlField(user, 'Arn'), accessKeyId: xmlField(key, 'AccessKeyId'), secretAccessKey: xmlField(key, 'SecretAccessKey') };
}

/** A role with a trust policy and one inline permissions policy; returns its ARN. */
export async function createRole(endpoint: string, roleName: string, trust: unknown, policy: unknown, account?: string): Promise<string> {
  const role = await iamCall(endpoint, 'CreateRole', { RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }, account);
  await iamCall(endpoint, 'PutRolePolicy', { RoleName: roleName, PolicyName: 'only', PolicyDocument: JSON.stringify(policy) }, account);
  return xmlField(role, 'Arn');
}

/**
 * Turns moto's IAM enforcement on (every later call is authorized) or off again. The switch is
 * global to that moto server: use a moto of its own, never one shared with other tests.
 */
export async function enforceIam(endpoint: string, on: boolean): Promise<void> {
  const r = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: on ? '0' : 'inf' });
  if (!r.ok) throw new Error(`moto reset-auth: HTTP ${r.status}`);
}
