/**
 * AWS adapter: reads IAM role trust policies (GetRole), optionally through per-account reader
 * roles (STS AssumeRole). Fetches only; the analysis core parses and decides.
 */
export {
  formatRoleArn,
  type ParsedRoleArn,
  parseRoleArn,
  type RoleArnError,
  type RoleArnErrorCode,
  type RoleArnParseResult,
} from "./arn.js";
export {
  type EndpointResolution,
  type Env,
  KNOWN_PARTITIONS,
  type PartitionEndpoints,
  resolveEndpoints,
  type ServiceEndpoint,
} from "./endpoints.js";
export { type AwsErrorCategory, type AwsErrorInfo, classifyAwsError, redact } from "./errors.js";
export {
  type AwsClientFactory,
  type AwsCredentials,
  createRoleReader,
  expandReaderRoleTemplate,
  READER_SESSION_NAME,
  READER_SESSION_SECONDS,
  type RoleFetchResult,
  type RoleReader,
  type RoleReaderOptions,
  validateReaderRoleTemplate,
} from "./role-reader.js";
