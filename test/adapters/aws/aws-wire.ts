/**
 * Builders for IAM and STS query-protocol responses in their real XML wire format (shapes as in
 * the IAM/STS API references' sample responses), for nock.
 */

export const IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";
export const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
export const XML_HEADERS = { "content-type": "text/xml" };

/** Static fake credentials: no credential chain is consulted. */
export const FAKE_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" };

/** Percent-encode like IAM does for AssumeRolePolicyDocument (RFC 3986: only unreserved kept). */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A `GetRoleResponse` body; `encodedPolicy` goes on the wire as given. */
export function getRoleXml(opts: {
  arn: string;
  roleName: string;
  path?: string;
  encodedPolicy: string;
  maxSessionDuration?: number;
}): string {
  return `<GetRoleResponse xmlns="${IAM_NS}">
  <GetRoleResult>
    <Role>
      <Path>${opts.path ?? "/"}</Path>
      <AssumeRolePolicyDocument>${opts.encodedPolicy}</AssumeRolePolicyDocument>
      <MaxSessionDuration>${opts.maxSessionDuration ?? 3600}</MaxSessionDuration>
      <RoleId>AROAEXAMPLEROLEID0001</RoleId>
      <RoleName>${opts.roleName}</RoleName>
      <Arn>${opts.arn}</Arn>
      <CreateDate>2024-01-01T00:00:00Z</CreateDate>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
  </ResponseMetadata>
</GetRoleResponse>`;
}

/** An `ErrorResponse` body (IAM or STS namespace). */
export function errorXml(code: string, message: string, ns: string = IAM_NS, type = "Sender"): string {
  return `<ErrorResponse xmlns="${ns}">
  <Error>
    <Type>${type}</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>4c5b6f2e-0a1b-4c8d-9e2f-EXAMPLE</RequestId>
</ErrorResponse>`;
}

/** An STS `AssumeRoleResponse` body. */
export function assumeRoleXml(opts: {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}): string {
  const [, , , , account = "", resource = ""] = opts.roleArn.split(":");
  const roleName = resource.split("/").pop() ?? "";
  return `<AssumeRoleResponse xmlns="${STS_NS}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${account}:assumed-role/${roleName}/rolecall</Arn>
      <AssumedRoleId>AROAEXAMPLEREADER0001:rolecall</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${opts.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${opts.secretAccessKey}</SecretAccessKey>
      <SessionToken>${opts.sessionToken}</SessionToken>
      <Expiration>${opts.expiration}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`;
}

/** An STS `GetCallerIdentityResponse` body. */
export function callerIdentityXml(account: string): string {
  return `<GetCallerIdentityResponse xmlns="${STS_NS}">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::${account}:assumed-role/ci/session</Arn>
    <UserId>AROAEXAMPLECALLER0001:session</UserId>
    <Account>${account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>`;
}
