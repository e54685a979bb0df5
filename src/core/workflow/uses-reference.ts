import { type Node, spanWithin } from "./node.js";

/** How an action or reusable-workflow reference is pinned. */
export type RefKind =
  /** A full 40-hex (or 64-hex) commit SHA: immutable. */
  | "sha"
  /** A version tag such as `v4`, `v4.0.2` or `1.2`. */
  | "version"
  /** Anything else: a branch such as `main`, or another tag. */
  | "other";

/** What a `uses:` value points at. */
export type UsesReference =
  | {
      kind: "repository";
      owner: string;
      repo: string;
      /** Path inside the repository (`.github/workflows/deploy.yml`), or undefined for the root. */
      path: string | undefined;
      ref: string;
      refKind: RefKind;
      /** Major version for `version` refs (`4` for `v4.0.2`). */
      major?: number;
      /** Offset of `ref` in the `uses:` string. */
      refOffset: number;
    }
  | { kind: "docker"; image: string }
  /** `./path`: resolved against the workspace (for actions) or this repository at this commit (workflows). */
  | { kind: "local"; path: string }
  /** `$/path` (self-repository reference, 2026-07): this repository at the running commit. */
  | { kind: "self"; path: string }
  | { kind: "invalid"; reason: string };

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const VERSION = /^v?(\d+)(?:\.\d+){0,2}$/;

/**
 * Parses a `uses:` value: `owner/repo[/path]@ref`, `docker://image`, a local `./path`, or a
 * self-repository `$/path`.
 * Never throws; a malformed value gives `{ kind: "invalid", reason }`.
 */
export function parseUsesReference(text: string): UsesReference {
  const value = text.trim();
  if (value === "") return { kind: "invalid", reason: "`uses` is empty" };
  if (value.includes("${{")) return { kind: "invalid", reason: "`uses` cannot contain expressions" };
  if (value.startsWith("docker://")) return { kind: "docker", image: value.slice("docker://".length) };
  if (value.startsWith("./") || value.startsWith(".\\") || value === ".") {
    return { kind: "local", path: value };
  }
  if (value.startsWith("$/")) return { kind: "self", path: value.slice(2) };
  const at = value.lastIndexOf("@");
  if (at === -1)
    return { kind: "invalid", reason: "expected `owner/repo[/path]@ref`; the `@ref` is missing" };
  const location = value.slice(0, at);
  const ref = value.slice(at + 1);
  const parts = location.split("/");
  const [owner, repo, ...rest] = parts;
  if (!owner || !repo || ref === "" || rest.some((p) => p === "")) {
    return { kind: "invalid", reason: "expected `owner/repo[/path]@ref`" };
  }
  const leading = text.length - text.trimStart().length;
  const version = VERSION.exec(ref);
  const result: UsesReference = {
    kind: "repository",
    owner,
    repo,
    path: rest.length > 0 ? rest.join("/") : undefined,
    ref,
    refKind: SHA.test(ref) ? "sha" : version ? "version" : "other",
    refOffset: leading + at + 1,
  };
  if (version) result.major = Number(version[1]);
  return result;
}

/** The positioned `@ref` part of a `uses:` node that points at a repository. */
export function usesRefNode(uses: Node<string>, reference: UsesReference): Node<string> | undefined {
  if (reference.kind !== "repository") return undefined;
  return {
    value: reference.ref,
    span: spanWithin(uses, reference.refOffset, reference.refOffset + reference.ref.length),
    route: uses.route,
  };
}
