export {
  type ActionInput,
  type ActionManifest,
  type ActionRuns,
  actionAwsCredentialsSteps,
  type ParseActionResult,
  parseActionManifest,
} from "./action-manifest.js";
export {
  AWS_CREDENTIALS_ENV_INPUTS,
  AWS_CREDENTIALS_INPUTS,
  type AwsCredentials,
  type AwsCredentialsInputName,
  type AwsCredentialsPath,
  type AwsCredentialsPathKind,
  type AwsInputSource,
  awsCredentials,
  awsCredentialsPath,
  awsCredentialsSteps,
  type EnvInputBehaviour,
  isAwsCredentialsStep,
  type ResolvedAwsInput,
} from "./aws-credentials.js";
export { configureAwsCredentialsRelease } from "./aws-credentials-releases.js";
export { DEFAULT_MAX_BYTES, decodeWorkflowText } from "./decode-text.js";
export type { JobEnvironment } from "./environment.js";
export {
  checkExpressions,
  conditionSource,
  containsExpression,
  type ExpressionContextName,
  type ExpressionProblem,
  type ExpressionReference,
  type ExpressionScan,
  type ExpressionSegment,
  findExpressions,
  isWholeExpression,
  type ParsedExpression,
  parseExpression,
  scanExpressions,
} from "./expression.js";
export type { CallSecrets, Job, ReusableWorkflowCall, RunsOn, Strategy } from "./job.js";
export {
  expandMatrix,
  type Matrix,
  type MatrixCombination,
  type MatrixDimension,
  type MatrixExpansion,
  type MatrixRow,
  type MatrixValue,
  matrixTooLargeReason,
} from "./matrix.js";
export { type Entry, type Node, type Position, type Span, spanWithin } from "./node.js";
export {
  type CalledJobGrant,
  calledJobGrant,
  type DefaultPermissionsPolicy,
  type EffectivePermissions,
  effectiveIdTokenGrant,
  effectivePermissions,
  type IdTokenGrant,
  PERMISSION_SCOPES,
  type PermissionLevel,
  type Permissions,
  permissionLevel,
} from "./permissions.js";
export { routeIndex, routeKey } from "./route.js";
export type { StringMap } from "./shape-reader.js";
export { type Step, type StepKind, type StepUses, stepInput } from "./step.js";
export {
  KNOWN_EVENTS,
  type Schedule,
  type Trigger,
  type WorkflowCallDeclaration,
  type WorkflowInput,
} from "./trigger.js";
export { parseUsesReference, type RefKind, type UsesReference } from "./uses-reference.js";
export {
  findJob,
  findTrigger,
  type ParseOptions,
  type ParseWorkflowResult,
  parseWorkflow,
  type Workflow,
} from "./workflow.js";
export type { WorkflowDiagnostic, WorkflowDiagnosticCode } from "./workflow-diagnostic.js";
export {
  parseYamlTree,
  type YamlMap,
  type YamlPair,
  type YamlScalar,
  type YamlSeq,
  type YamlValue,
} from "./yaml-tree.js";
