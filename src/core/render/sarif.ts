import type { Finding, RelatedLocation, ScanResult } from "../engine/scan-types.js";
import type { RuleMeta } from "../findings/rule-meta.js";
import { SEVERITIES, SEVERITY, type Severity } from "../findings/severity.js";
import { renderScanJson } from "./scan-json.js";

/** Options of {@link renderSarif}. */
export interface SarifOptions {
  /** rolecall's version, e.g. `0.1.0`. */
  toolVersion: string;
  /** rolecall's home page (an absolute URI), shown by code scanning next to the tool name. */
  informationUri?: string;
  /**
   * Absolute URI that relative rule docs links (`docs/rules.md#id`) are resolved against, e.g.
   * `https://github.com/OWNER/rolecall/blob/v0.1.0/`. Without it a relative link is named in the
   * help text only (`helpUri` must be absolute).
   */
  docsBaseUri?: string;
}

export type SarifLevel = "error" | "warning" | "note";

/** The result level code scanning shows (the findings layer's one severity table). */
export function sarifLevel(s: Severity): SarifLevel {
  return SEVERITY[s].sarifLevel;
}

/** GitHub's `security-severity` score (a string) for each severity (the findings layer's table). */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = Object.fromEntries(
  SEVERITIES.map((s) => [s, SEVERITY[s].securitySeverity]),
) as Record<Severity, string>;

/** The `partialFingerprints` key carrying `Finding.fingerprint`. */
export const FINGERPRINT_KEY = "rolecallFingerprint/v1";

/** The SARIF 2.1.0 schema a log names in `$schema`. */
export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";

const SRCROOT = "%SRCROOT%";

export interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifRegion {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

export interface SarifPhysicalLocation {
  artifactLocation: { uri: string; uriBaseId: string };
  region?: SarifRegion;
}

export interface SarifLocation {
  id?: number;
  physicalLocation?: SarifPhysicalLocation;
  logicalLocations?: { fullyQualifiedName: string; kind: string }[];
  message?: SarifMessage;
}

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { "security-severity": string; tags: string[] };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints: Record<string, string>;
  properties?: Record<string, unknown>;
}

export interface SarifNotification {
  level: "warning";
  message: SarifMessage;
  associatedRule?: { id: string; index?: number };
}

/** The subset of a SARIF 2.1.0 log that rolecall writes. */
export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: [
    {
      tool: {
        driver: {
          name: "rolecall";
          version: string;
          semanticVersion?: string;
          informationUri?: string;
          rules: SarifReportingDescriptor[];
        };
      };
      invocations: [{ executionSuccessful: boolean; toolExecutionNotifications: SarifNotification[] }];
      columnKind: "utf16CodeUnits";
      results: SarifResult[];
    },
  ];
}

const isAbsoluteUri = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s);

/** A role ARN or anything else that is not a path inside the repository. */
function isRepoPath(file: string): boolean {
  if (isAbsoluteUri(file) || file.startsWith("/") || file.startsWith("\\") || /^[a-z]:[\\/]/i.test(file))
    return false;
  return !file.split(/[\\/]/).includes("..");
}

/** A repository-relative path as a relative URI reference (segments percent-encoded). */
function pathUri(file: string): string {
  return file
    .replace(/\\/g, "/")
    .replace(/^\.\//, "")
    .split("/")
    .map((seg) => encodeURIComponent(seg))
    .join("/");
}

function resolveDocs(docs: string, base: string | undefined): string | null {
  if (isAbsoluteUri(docs)) return docs;
  if (base === undefined) return null;
  try {
    return new URL(docs, base).href;
  } catch {
    return null;
  }
}

const pascalCase = (id: string) =>
  id
    .split(/[^a-zA-Z0-9]+/)
    .filter((p) => p.length > 0)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");

function ruleDescriptor(meta: RuleMeta, opts: SarifOptions): SarifReportingDescriptor {
  const helpUri = resolveDocs(meta.docs, opts.docsBaseUri);
  const docsRef = helpUri ?? meta.docs;
  return {
    id: meta.id,
    name: pascalCase(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.explanation },
    help: {
      text: `${meta.explanation}\n\nFix: ${meta.fix}\n\nDocumentation: ${docsRef}`,
      markdown: `${meta.explanation}\n\n**Fix.** ${meta.fix}\n\n${helpUri !== null ? `[Documentation](${helpUri})` : `Documentation: \`${meta.docs}\``}`,
    },
    ...(helpUri !== null ? { helpUri } : {}),
    defaultConfiguration: { level: sarifLevel(meta.severity) },
    properties: { "security-severity": SECURITY_SEVERITY[meta.severity], tags: ["security", meta.category] },
  };
}

/** A descriptor for a finding whose rule is not in the registry, so `ruleIndex` always resolves. */
function unknownRuleDescriptor(f: Finding): SarifReportingDescriptor {
  return {
    id: f.rule,
    name: pascalCase(f.rule),
    shortDescription: { text: f.rule },
    fullDescription: { text: `Findings of the rule \`${f.rule}\`.` },
    help: { text: `See the rolecall documentation of \`${f.rule}\`.` },
    defaultConfiguration: { level: sarifLevel(f.severity) },
    properties: { "security-severity": SECURITY_SEVERITY[f.severity], tags: ["security"] },
  };
}

/**
 * A region, only with what is consistent: SARIF's end column is exclusive like ours, and an end
 * before the start (or an empty span) is dropped rather than emitted invalid.
 */
function region(line: number, column: number | null, endLine?: number, endColumn?: number): SarifRegion {
  const startLine = Math.max(1, Math.trunc(line));
  const r: SarifRegion = { startLine };
  if (column === null || column < 1) return r;
  r.startColumn = Math.trunc(column);
  if (endLine === undefined || endColumn === undefined) return r;
  if (endLine > startLine || (endLine === startLine && endColumn > r.startColumn)) {
    r.endLine = Math.trunc(endLine);
    r.endColumn = Math.trunc(endColumn);
  }
  return r;
}

/** Escapes `[` and `]` when the text could otherwise be read as an embedded link `[text](n)`. */
function plain(s: string): string {
  return /\]\(/.test(s) ? s.replace(/[[\]]/g, "\\$&") : s;
}

function relatedLabel(r: RelatedLocation): string {
  const where = [
    r.file,
    r.line !== null ? `${r.line}` : null,
    r.line !== null && r.column !== null ? `${r.column}` : null,
  ]
    .filter((p) => p !== null)
    .join(":");
  return r.pointer !== undefined && r.pointer !== "" ? `${where} ${r.pointer}` : where;
}

function resultOf(f: Finding, ruleIndex: number): SarifResult {
  const related: SarifLocation[] = [];
  const lines: string[] = [plain(f.message)];
  // A primary place outside the repository (a role ARN) has no artifact: say where in words.
  if (!isRepoPath(f.file)) lines.push(`Location: ${plain(f.file)}.`);
  for (const r of f.related) {
    const text = r.message !== "" ? r.message : relatedLabel(r);
    if (isRepoPath(r.file)) {
      const id = related.length + 1;
      related.push({
        id,
        physicalLocation: {
          artifactLocation: { uri: pathUri(r.file), uriBaseId: SRCROOT },
          ...(r.line !== null && r.line >= 1 ? { region: region(r.line, r.column) } : {}),
        },
        message: { text: r.pointer !== undefined ? `${text} (${r.pointer})` : text },
      });
      lines.push(`Related: [${text.replace(/[[\]]/g, "\\$&")}](${id}).`);
    } else {
      // A role ARN or a file outside the repository: not a valid artifact location, so name it.
      lines.push(`Related: ${plain(text)} (${plain(relatedLabel(r))}).`);
    }
  }
  if (f.fix !== null) lines.push(`Fix: ${plain(f.fix)}`);
  if (f.suggestedPolicy !== undefined) lines.push(`Suggested trust policy:\n${f.suggestedPolicy.json}`);

  const primary: SarifLocation = isRepoPath(f.file)
    ? {
        physicalLocation: {
          artifactLocation: { uri: pathUri(f.file), uriBaseId: SRCROOT },
          region: region(f.line, f.column, f.endLine, f.endColumn),
        },
      }
    : { logicalLocations: [{ fullyQualifiedName: f.file, kind: "resource" }] };

  const properties: Record<string, unknown> = {};
  if (f.job !== null) properties.job = f.job;
  if (f.role !== null) properties.role = f.role;
  return {
    ruleId: f.rule,
    ruleIndex,
    level: sarifLevel(f.severity),
    message: { text: lines.join("\n") },
    locations: [primary],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run whose driver lists every rule of `rules` (plus a
 * minimal descriptor for any finding whose rule is not there, so `ruleIndex` always resolves), one
 * result per finding (sorted like the JSON output), and what could not be read as warnings of the
 * invocation, which is successful only when the scan is complete. Fix text goes in the message:
 * SARIF `fixes` need concrete artifact changes, which rolecall does not compute.
 */
export function renderSarif(result: ScanResult, rules: readonly RuleMeta[], opts: SarifOptions): SarifLog {
  const doc = renderScanJson(result);
  const descriptors = rules.map((r) => ruleDescriptor(r, opts));
  const index = new Map<string, number>();
  descriptors.forEach((d, i) => {
    if (!index.has(d.id)) index.set(d.id, i);
  });
  const indexOf = (f: Finding) => {
    let i = index.get(f.rule);
    if (i === undefined) {
      i = descriptors.length;
      descriptors.push(unknownRuleDescriptor(f));
      index.set(f.rule, i);
    }
    return i;
  };
  const results = doc.findings.map((f) => resultOf(f, indexOf(f)));
  const notifications: SarifNotification[] = doc.incomplete.map((item) => {
    const i = index.get(item.rule);
    return {
      level: "warning",
      message: { text: `${item.subject}: ${item.reason}` },
      associatedRule: i === undefined ? { id: item.rule } : { id: item.rule, index: i },
    };
  });
  const semver = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(opts.toolVersion);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "rolecall",
            version: opts.toolVersion,
            ...(semver ? { semanticVersion: opts.toolVersion } : {}),
            ...(opts.informationUri !== undefined ? { informationUri: opts.informationUri } : {}),
            rules: descriptors,
          },
        },
        invocations: [{ executionSuccessful: doc.complete, toolExecutionNotifications: notifications }],
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}
