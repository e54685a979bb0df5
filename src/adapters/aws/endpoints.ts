/**
 * Where to send IAM and STS requests for a partition, and which region to sign them for.
 *
 * Sources (checked 2026-11):
 * - IAM is a global service with one endpoint per partition. AWS General Reference, "AWS Identity
 *   and Access Management endpoints and quotas" (https://docs.aws.amazon.com/general/latest/gr/iam-service.html):
 *   every commercial region lists `iam.amazonaws.com`. The endpoint rules shipped in
 *   `@aws-sdk/client-iam` 3.1169.0 (`dist-es/endpoint/bdd.js`) give the non-FIPS, non-dual-stack
 *   endpoint and signing region per partition: aws -> https://iam.amazonaws.com (us-east-1),
 *   aws-cn -> https://iam.cn-north-1.amazonaws.com.cn (cn-north-1), aws-us-gov ->
 *   https://iam.us-gov.amazonaws.com (us-gov-west-1), and likewise for the isolated partitions.
 *   China: "all China Regions have one IAM control plane, in China (Beijing)"
 *   (https://docs.amazonaws.cn/aws/latest/userguide/iam.html).
 * - STS is regional; AWS recommends regional endpoints over the legacy global one ("AWS STS Regions
 *   and endpoints", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html:
 *   US East (N. Virginia) sts.us-east-1.amazonaws.com). `@aws-sdk/client-sts` builds
 *   `https://sts.{Region}.{dnsSuffix}`; DNS suffixes come from the SDK's partitions table
 *   (`@aws-sdk/core` util-endpoints `partitions.js`).
 * - Endpoint overrides follow the SDKs and Tools reference guide, "Service-specific endpoints"
 *   (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html):
 *   `AWS_ENDPOINT_URL_<SERVICE>` overrides `AWS_ENDPOINT_URL`, and
 *   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` ignores both.
 */

/** The environment as a plain record (the CLI passes `process.env`; nothing here reads it). */
export type Env = Record<string, string | undefined>;

/** Endpoint and signing region of one service in one partition. */
export interface ServiceEndpoint {
  /** Absolute URL, e.g. `https://iam.amazonaws.com`. */
  url: string;
  /** Region the SigV4 signature is scoped to (and the region given to the SDK client). */
  region: string;
  /** True when the URL came from an `AWS_ENDPOINT_URL*` variable. */
  overridden: boolean;
}

/** IAM and STS endpoints for one partition. */
export interface PartitionEndpoints {
  partition: string;
  iam: ServiceEndpoint;
  sts: ServiceEndpoint;
}

interface PartitionDefaults {
  iamUrl: string;
  iamSigningRegion: string;
  stsRegion: string;
  dnsSuffix: string;
}

const PARTITIONS: Readonly<Record<string, PartitionDefaults>> = {
  aws: {
    iamUrl: "https://iam.amazonaws.com",
    iamSigningRegion: "us-east-1",
    stsRegion: "us-east-1",
    dnsSuffix: "amazonaws.com",
  },
  "aws-cn": {
    iamUrl: "https://iam.cn-north-1.amazonaws.com.cn",
    iamSigningRegion: "cn-north-1",
    stsRegion: "cn-north-1",
    dnsSuffix: "amazonaws.com.cn",
  },
  "aws-us-gov": {
    iamUrl: "https://iam.us-gov.amazonaws.com",
    iamSigningRegion: "us-gov-west-1",
    stsRegion: "us-gov-west-1",
    dnsSuffix: "amazonaws.com",
  },
  "aws-iso": {
    iamUrl: "https://iam.us-iso-east-1.c2s.ic.gov",
    iamSigningRegion: "us-iso-east-1",
    stsRegion: "us-iso-east-1",
    dnsSuffix: "c2s.ic.gov",
  },
  "aws-iso-b": {
    iamUrl: "https://iam.us-isob-east-1.sc2s.sgov.gov",
    iamSigningRegion: "us-isob-east-1",
    stsRegion: "us-isob-east-1",
    dnsSuffix: "sc2s.sgov.gov",
  },
  "aws-iso-e": {
    iamUrl: "https://iam.eu-isoe-west-1.cloud.adc-e.uk",
    iamSigningRegion: "eu-isoe-west-1",
    stsRegion: "eu-isoe-west-1",
    dnsSuffix: "cloud.adc-e.uk",
  },
  "aws-iso-f": {
    iamUrl: "https://iam.us-isof-south-1.csp.hci.ic.gov",
    iamSigningRegion: "us-isof-south-1",
    stsRegion: "us-isof-south-1",
    dnsSuffix: "csp.hci.ic.gov",
  },
  "aws-eusc": {
    iamUrl: "https://iam.eusc-de-east-1.amazonaws.eu",
    iamSigningRegion: "eusc-de-east-1",
    stsRegion: "eusc-de-east-1",
    dnsSuffix: "amazonaws.eu",
  },
};

/** Partitions rolecall knows the IAM/STS endpoints of. */
export const KNOWN_PARTITIONS: readonly string[] = Object.freeze(Object.keys(PARTITIONS));

/** Outcome of {@link resolveEndpoints}. */
export type EndpointResolution =
  | { ok: true; endpoints: PartitionEndpoints }
  | { ok: false; code: "UnsupportedPartition" | "InvalidEndpointUrl"; message: string };

function envOverride(env: Env, service: "IAM" | "STS"): { name: string; value: string } | undefined {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").trim().toLowerCase() === "true") return undefined;
  for (const name of [`AWS_ENDPOINT_URL_${service}`, "AWS_ENDPOINT_URL"]) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function checkUrl(name: string, value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return undefined;
  } catch {
    // fall through
  }
  return `${name} is not an http(s) URL: "${value}".`;
}

/**
 * IAM and STS endpoints (and signing regions) for `partition`, honouring `AWS_ENDPOINT_URL_IAM`,
 * `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL` from `env`. An overridden endpoint keeps the
 * partition's signing region. Unknown partitions and unusable override URLs yield `ok: false`.
 */
export function resolveEndpoints(partition: string, env: Env = {}): EndpointResolution {
  const defaults = PARTITIONS[partition];
  if (!defaults) {
    return {
      ok: false,
      code: "UnsupportedPartition",
      message: `rolecall does not know the IAM endpoint of partition "${partition}" (known: ${KNOWN_PARTITIONS.join(", ")}).`,
    };
  }
  const iamOverride = envOverride(env, "IAM");
  const stsOverride = envOverride(env, "STS");
  for (const o of [iamOverride, stsOverride]) {
    const problem = o && checkUrl(o.name, o.value);
    if (problem) return { ok: false, code: "InvalidEndpointUrl", message: problem };
  }
  return {
    ok: true,
    endpoints: {
      partition,
      iam: {
        url: iamOverride?.value ?? defaults.iamUrl,
        region: defaults.iamSigningRegion,
        overridden: iamOverride !== undefined,
      },
      sts: {
        url: stsOverride?.value ?? `https://sts.${defaults.stsRegion}.${defaults.dnsSuffix}`,
        region: defaults.stsRegion,
        overridden: stsOverride !== undefined,
      },
    },
  };
}
