import { constants } from "node:fs";
import { lstat, open, readdir, realpath, stat } from "node:fs/promises";
import { basename, extname, join, sep } from "node:path";
import type { RoleSource } from "../../core/engine/analysis-types.js";
import { parseTrustPolicy } from "../../core/iam/index.js";
import type { PolicyDiagnostic } from "../../core/iam/policy-diagnostic.js";
import type { TrustPolicy } from "../../core/iam/policy-model.js";
import { type JsonNode, memberOf } from "../../core/json/json-ast.js";
import { parseJson } from "../../core/json/parse-json.js";
import { LineIndex, type Position, type Span } from "../../core/span.js";

/** Role files larger than this are refused (an account's whole `list-roles` output is a few MB). */
export const MAX_ROLE_FILE_BYTES = 32 * 1024 * 1024;

/** Why a file was not read. */
export class NotARegularFile extends Error {
  override readonly name = "NotARegularFile";
}

/**
 * Reads a file the user named, as UTF-8, only when it is a regular file of at most `maxBytes`: a
 * FIFO, a device, a socket or `/dev/stdin` is refused without blocking (opened non-blocking, checked
 * with fstat before any read). With `noFollow`, a symbolic link is refused too.
 */
export async function readRegularFile(
  path: string,
  opts: { maxBytes?: number; noFollow?: boolean } = {},
): Promise<string> {
  const max = opts.maxBytes ?? MAX_ROLE_FILE_BYTES;
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0);
  const fh = await open(path, flags);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new NotARegularFile("it is a folder");
    if (!st.isFile())
      throw new NotARegularFile(
        st.isFIFO()
          ? "it is a named pipe (FIFO), not a file; it was not read"
          : st.isCharacterDevice() || st.isBlockDevice()
            ? "it is a device, not a file; it was not read"
            : "it is not a regular file; it was not read",
      );
    if (st.size > max)
      throw new NotARegularFile(`it is ${st.size} bytes, more than the ${max}-byte limit; it was not read`);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await fh.read(buf, got, st.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got).toString("utf8");
  } finally {
    await fh.close();
  }
}

/** A plain-words reason for a failed read. */
export function readErrorText(e: unknown): string {
  if (e instanceof NotARegularFile) return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or folder";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ELOOP") return "it is a symbolic link; links inside a --roles folder are not followed";
  if (code === "EISDIR") return "it is a folder";
  return (e as Error).message;
}

/** One role document found in a `--roles` file. */
export interface RoleDocument {
  /** The role ARN, from get-role / list-roles output; null for a bare policy. */
  arn: string | null;
  /** The policy, or null when it could not be read (`diagnostics` say why). */
  policy: TrustPolicy | null;
  diagnostics: PolicyDiagnostic[];
  /** Where the document stands in the file. */
  at: Position;
}

/** What a `--roles` file holds, and how it is laid out. */
export interface RoleFileContent {
  documents: RoleDocument[];
  /** Set when the file holds no document at all (not JSON, Terraform, ...): what is wrong and where, with a hint. */
  problem: { message: string; line: number; column: number } | null;
  shape: "document" | "array" | "list-roles" | "several";
}

const TERRAFORM_HINT =
  "it looks like Terraform (HCL). rolecall does not read trust policies from Terraform yet (that comes in a later release); pass the role as JSON instead: `aws iam get-role --role-name NAME > NAME.json`, or the policy document (`jsonencode(...)` output) saved as <role-name>.json";

function looksLikeTerraform(file: string, text: string): boolean {
  if (/\.(tf|tfvars|hcl)$/i.test(file)) return true;
  return /^\s*(resource|data|module|variable|locals|provider|terraform)\s+("[^"\n]*"\s*)*\{/m.test(text);
}

/**
 * The top-level JSON values of a text, as offset ranges, when it is one or more objects or arrays
 * separated by white space (what `jq` prints for several roles); null otherwise (the parser then
 * says what is wrong). One linear pass.
 */
export function splitJsonDocuments(text: string): { start: number; end: number }[] | null {
  const out: { start: number; end: number }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
  while (i < n) {
    while (i < n && isWs(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const open = text[i];
    if (open !== "{" && open !== "[") return null;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) return null;
    out.push({ start, end: i });
  }
  return out;
}

/** Moves the positions of a piece parsed on its own to where the piece stands in the file. */
function shifter(base: Position) {
  const seen = new WeakSet<object>();
  const shiftPos = (p: Position) => {
    if (seen.has(p)) return;
    seen.add(p);
    if (p.line === 1) p.column += base.column - 1;
    p.line += base.line - 1;
    p.offset += base.offset;
  };
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    const o = v as Record<string, unknown>;
    if (typeof o.line === "number" && typeof o.column === "number" && typeof o.offset === "number") {
      shiftPos(o as unknown as Position);
      return;
    }
    seen.add(v);
    for (const [k, x] of Object.entries(o)) if (k !== "text") walk(x);
  };
  return {
    span: (s: Span | null) => {
      if (s) walk(s);
    },
    walk,
  };
}

const CASED_KEYS = ["Role", "Arn", "RoleName", "AssumeRolePolicyDocument", "Version", "Statement"];

/** A get-role or policy key written in the wrong case (`role`, `assumeRolePolicyDocument`), if any. */
function miscasedKey(node: JsonNode): { key: string; want: string } | null {
  const objects: JsonNode[] = [node];
  if (node.kind === "object")
    for (const m of node.members) if (m.value.kind === "object") objects.push(m.value);
  for (const o of objects) {
    if (o.kind !== "object") continue;
    for (const m of o.members) {
      const want = CASED_KEYS.find((k) => k.toLowerCase() === m.key.toLowerCase());
      if (want && want !== m.key) return { key: m.key, want };
    }
  }
  return null;
}

function arnOf(node: JsonNode): string | null {
  if (node.kind !== "object") return null;
  const role = memberOf(node, "Role")?.value;
  const obj = role?.kind === "object" ? role : node;
  const arn = memberOf(obj, "Arn")?.value;
  return arn?.kind === "string" ? arn.value : null;
}

/** Moves every position of a document parsed on its own to where it stands in the file. */
function relocate(doc: RoleDocument, base: Position): RoleDocument {
  if (base.offset === 0 && base.line === 1 && base.column === 1) return doc;
  const shift = shifter(base);
  if (doc.policy?.decoded) {
    // Spans of a decoded document refer to the decoded text; only where it stands moves.
    shift.span(doc.policy.embeddedAt);
  } else {
    if (doc.policy) shift.walk(doc.policy.statements);
    for (const d of doc.diagnostics) shift.span(d.span);
  }
  return { ...doc, at: shiftedCopy(doc.at, base) };
}

/** Parses one document (a slice of the file starting at `base`) with positions in file coordinates. */
function readDocument(text: string, node: JsonNode | null, base: Position): RoleDocument {
  const { policy, diagnostics } = parseTrustPolicy(text);
  const miscased = node && !policy ? miscasedKey(node) : null;
  if (miscased && diagnostics[0])
    diagnostics[0] = {
      ...diagnostics[0],
      message: `${diagnostics[0].message} (keys are case-sensitive: \`${miscased.key}\` should be \`${miscased.want}\`)`,
    };
  const doc: RoleDocument = {
    arn: policy?.role.arn ?? (node ? arnOf(node) : null),
    policy,
    diagnostics,
    at: { line: 1, column: 1, offset: 0 },
  };
  return relocate(doc, base);
}

/**
 * The role documents of one `--roles` file: `aws iam get-role` output, a bare trust policy, a JSON
 * array of either, `aws iam list-roles` output (`{"Roles": [...]}`), or several JSON documents one
 * after another. Every position is in the file's own coordinates.
 */
export function readRoleDocuments(file: string, text: string): RoleFileContent {
  if (looksLikeTerraform(file, text))
    return { documents: [], problem: { message: TERRAFORM_HINT, line: 1, column: 1 }, shape: "document" };
  const pieces = splitJsonDocuments(text);
  const lines = new LineIndex(text);
  if (!pieces || pieces.length <= 1) {
    const parsed = parseJson(text);
    if (!parsed.ok) {
      // Let the policy reader word the problem (URL-encoded documents are not JSON either). An
      // unreadable document is still a document: a job whose role it names reports the problem.
      const doc = readDocument(text, null, { line: 1, column: 1, offset: 0 });
      const hint =
        !doc.policy && (text.startsWith("\uFFFD\uFFFD") || text.includes("\u0000"))
          ? " (the file looks UTF-16 encoded; save it as UTF-8)"
          : "";
      if (hint && doc.diagnostics[0])
        doc.diagnostics[0] = { ...doc.diagnostics[0], message: `${doc.diagnostics[0].message}${hint}` };
      return { documents: [doc], problem: null, shape: "document" };
    }
    const root = parsed.root;
    const items =
      root.kind === "array"
        ? { shape: "array" as const, nodes: root.items }
        : root.kind === "object" && memberOf(root, "Roles")?.value.kind === "array"
          ? {
              shape: "list-roles" as const,
              nodes: (memberOf(root, "Roles")!.value as Extract<JsonNode, { kind: "array" }>).items,
            }
          : null;
    if (!items)
      return { documents: [readDocument(text, root, lines.position(0))], problem: null, shape: "document" };
    const documents = items.nodes.map((n) =>
      readDocument(text.slice(n.span.start.offset, n.span.end.offset), n, { ...n.span.start }),
    );
    if (documents.length === 0)
      return {
        documents,
        problem: {
          message: items.shape === "array" ? "the array is empty" : "`Roles` is empty",
          line: root.span.start.line,
          column: root.span.start.column,
        },
        shape: items.shape,
      };
    return { documents, problem: null, shape: items.shape };
  }
  const documents: RoleDocument[] = [];
  for (const p of pieces) {
    const slice = text.slice(p.start, p.end);
    const inner = readRoleDocuments(file, slice);
    const base = lines.position(p.start);
    if (inner.documents.length === 0) {
      documents.push(readDocument(slice, null, base));
      continue;
    }
    // Nested positions are relative to the piece: move them once more.
    for (const d of inner.documents) documents.push(relocate(d, base));
  }
  return { documents, problem: null, shape: "several" };
}

function shiftedCopy(p: Position, base: Position): Position {
  return {
    line: p.line + base.line - 1,
    column: p.line === 1 ? p.column + base.column - 1 : p.column,
    offset: p.offset + base.offset,
  };
}

/** What became of one `--roles` file or document: used for a role, or why not. */
export interface RoleFileNote {
  path: string;
  /** `line:column` of the document within the file, when the file holds several. */
  at: string | null;
  status: "used" | "unused" | "unreadable" | "ambiguous" | "skipped";
  message: string;
}

/** Roles read from files: by ARN (get-role output) and by role name (`<role-name>.json`). */
export interface RoleFiles {
  lookup(arn: string): RoleSource | undefined;
  /**
   * Files that could not be read at all (missing, a FIFO or device, a link out of the folder, too
   * large) or are not JSON roles (Terraform): reported as configuration problems. A JSON document
   * that holds no readable policy is not one: a job whose role it names reports it (role-unreadable),
   * and {@link RoleFiles.notes} names it otherwise.
   */
  problems: { path: string; line: number; column: number; message: string }[];
  /** What became of every file and document, after the lookups (call it last). */
  notes(): RoleFileNote[];
  /** How many files were read. */
  readonly count: number;
}

interface Entry {
  file: string;
  doc: RoleDocument;
  several: boolean;
  used: boolean;
}

const where = (e: Entry) => (e.several ? `${e.file}:${e.doc.at.line}:${e.doc.at.column}` : e.file);

/**
 * Reads `--roles` paths: files, or folders of `*.json` files (not recursive), each holding one or
 * more roles (see {@link readRoleDocuments}). A document with an ARN is matched by that ARN; a bare
 * trust policy by its file name, `<role-name>.json`. Only regular files are read: FIFOs, devices
 * and symbolic links that leave a folder are reported and skipped, never opened for reading.
 */
export async function readRoleFiles(paths: string[]): Promise<RoleFiles> {
  const byArn = new Map<string, Entry[]>();
  const byName = new Map<string, Entry[]>();
  const entries: Entry[] = [];
  const problems: RoleFiles["problems"] = [];
  const skipped: RoleFileNote[] = [];
  const files: { path: string; inFolder: string | null }[] = [];
  let readCount = 0;
  for (const p of paths) {
    try {
      const st = await lstat(p);
      const isDir = st.isDirectory() || (st.isSymbolicLink() && (await isFolder(p)));
      if (!isDir) {
        files.push({ path: p, inFolder: null });
        continue;
      }
      const root = await realpath(p);
      for (const d of (await readdir(p, { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      )) {
        const full = join(p, d.name);
        const ext = extname(d.name).toLowerCase();
        if (d.isDirectory()) {
          skipped.push({
            path: full,
            at: null,
            status: "skipped",
            message:
              "not read: a folder inside a --roles folder is not searched (give it as its own --roles)",
          });
          continue;
        }
        if (ext === ".tf" || ext === ".hcl") {
          problems.push({ path: full, line: 1, column: 1, message: `--roles: ${TERRAFORM_HINT}` });
          continue;
        }
        if (ext !== ".json") {
          skipped.push({
            path: full,
            at: null,
            status: "skipped",
            message: "not read: only *.json files in a --roles folder are read",
          });
          continue;
        }
        if (d.isSymbolicLink()) {
          const target = await realpath(full).catch(() => null);
          if (target === null || !(target === root || target.startsWith(root + sep))) {
            problems.push({
              path: full,
              line: 1,
              column: 1,
              message: "--roles: a symbolic link that leaves the folder; it was not followed",
            });
            continue;
          }
        }
        files.push({ path: full, inFolder: p });
      }
    } catch (e) {
      problems.push({ path: p, line: 1, column: 1, message: `--roles: ${readErrorText(e)}` });
    }
  }
  for (const f of files) {
    let text: string;
    try {
      text = await readRegularFile(f.path);
    } catch (e) {
      problems.push({ path: f.path, line: 1, column: 1, message: `--roles: ${readErrorText(e)}` });
      continue;
    }
    readCount++;
    const content = readRoleDocuments(f.path, text);
    if (content.problem !== null) {
      problems.push({
        path: f.path,
        line: content.problem.line,
        column: content.problem.column,
        message: `--roles: ${content.problem.message}`,
      });
      continue;
    }
    const several = content.documents.length > 1;
    for (const doc of content.documents) {
      const e: Entry = { file: f.path, doc, several, used: false };
      entries.push(e);
      if (doc.arn !== null) {
        const list = byArn.get(doc.arn) ?? [];
        list.push(e);
        byArn.set(doc.arn, list);
      } else if (!several) {
        const name = basename(f.path, extname(f.path));
        const list = byName.get(name) ?? [];
        list.push(e);
        byName.set(name, list);
      }
    }
  }

  const sourceOf = (arn: string, list: Entry[], how: string): RoleSource => {
    const readable = list.filter((e) => e.doc.policy !== null);
    const texts = new Set(readable.map((e) => e.doc.policy!.text));
    for (const e of list) e.used = true;
    if (texts.size > 1) {
      return {
        kind: "unreadable",
        arn,
        code: "invalid-policy",
        reason: `--roles gives ${how} ${list.length} times with different trust policies (${list.map(where).join(", ")}); rolecall does not guess: pass only one`,
      };
    }
    const e = readable[0];
    if (!e) {
      const bad = list[0]!;
      const d = bad.doc.diagnostics[0];
      const at = d ? `${bad.file}:${d.span.start.line}:${d.span.start.column}` : where(bad);
      return {
        kind: "unreadable",
        arn,
        code: "invalid-policy",
        reason: `${at}: ${d?.message ?? "not a trust policy"}`,
      };
    }
    const policy = e.doc.policy!;
    return { kind: "found", arn, policy, file: e.file, maxSessionDuration: policy.role.maxSessionDuration };
  };

  return {
    get count() {
      return readCount;
    },
    problems,
    lookup(arn) {
      const exact = byArn.get(arn);
      if (exact) return sourceOf(arn, exact, "this role");
      const name = /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
      const bare = name ? byName.get(name) : undefined;
      if (!bare) return undefined;
      return sourceOf(arn, bare, `a policy named ${name}.json`);
    },
    notes() {
      const notes: RoleFileNote[] = [...skipped];
      const ambiguous = new Set<Entry>();
      for (const list of [...byArn.values(), ...byName.values()])
        if (
          list.length > 1 &&
          list.some((e) => e.used) &&
          new Set(list.map((e) => e.doc.policy?.text)).size > 1
        )
          for (const e of list) ambiguous.add(e);
      for (const e of entries) {
        const at = e.several ? `${e.doc.at.line}:${e.doc.at.column}` : null;
        if (ambiguous.has(e))
          notes.push({
            path: e.file,
            at,
            status: "ambiguous",
            message: `ambiguous: another --roles document gives ${e.doc.arn ?? "a role of the same name"} with a different trust policy`,
          });
        else if (e.used)
          notes.push({
            path: e.file,
            at,
            status: e.doc.policy ? "used" : "unreadable",
            message: e.doc.policy
              ? `used for ${e.doc.arn ?? "the role of the same name"}`
              : "could not be read",
          });
        else if (e.doc.policy === null) {
          const d = e.doc.diagnostics[0];
          const problem = d
            ? ` (line ${d.span.start.line}, column ${d.span.start.column}: ${d.message})`
            : "";
          notes.push({
            path: e.file,
            at,
            status: "unreadable",
            message:
              e.doc.arn !== null
                ? `holds ${e.doc.arn}, whose trust policy could not be read${problem}; no job in the scan assumes it`
                : `holds no readable trust policy${problem}; not used`,
          });
        } else
          notes.push({
            path: e.file,
            at,
            status: "unused",
            message:
              e.doc.arn !== null
                ? `not used: no job in the scan assumes ${e.doc.arn}`
                : e.several
                  ? "not used: a bare trust policy among several documents has no role ARN to be matched by; use get-role output"
                  : `not used: no job in the scan assumes a role named ${basename(e.file, extname(e.file))} (a bare trust policy is matched by its file name, <role-name>.json, and only when the job's role ARN is known)`,
          });
      }
      return notes;
    },
  };
}

async function isFolder(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
