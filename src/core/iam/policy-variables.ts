/** One piece of a condition value after policy-variable parsing. */
export type ValuePiece =
  /** Text from the policy; `wildcards` is false for text produced by `${*}`, `${?}`, `${$}`. */
  | { kind: "text"; text: string; wildcards: boolean }
  /** A policy variable such as `${token.actions.githubusercontent.com:sub}`, with its default if given. */
  | { kind: "var"; key: string; fallback: string | null };

const ESCAPES: Record<string, string> = { "*": "*", "?": "?", $: "$" };

/**
 * Splits a condition value into text and policy variables. Policy variables (and the `${*}`, `${?}`,
 * `${$}` escapes) exist only in policies with `"Version": "2012-10-17"`; in older or version-less
 * policies `${...}` is plain text (OIDC-SEMANTICS §5.2, S-AWS5).
 */
export function parsePolicyValue(value: string, version: string | null): ValuePiece[] {
  if (version !== "2012-10-17" || !value.includes("${"))
    return [{ kind: "text", text: value, wildcards: true }];
  const out: ValuePiece[] = [];
  let text = "";
  let i = 0;
  const flush = () => {
    if (text) out.push({ kind: "text", text, wildcards: true });
    text = "";
  };
  while (i < value.length) {
    if (value.startsWith("${", i)) {
      const close = value.indexOf("}", i + 2);
      if (close < 0) {
        text += value.slice(i);
        break;
      }
      const body = value.slice(i + 2, close);
      const esc = ESCAPES[body];
      if (esc !== undefined) {
        flush();
        out.push({ kind: "text", text: esc, wildcards: false });
      } else {
        const m = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(body);
        if (m) {
          flush();
          out.push({ kind: "var", key: m[1]!, fallback: m[2] ?? null });
        } else {
          text += value.slice(i, close + 1);
        }
      }
      i = close + 1;
    } else {
      text += value[i];
      i++;
    }
  }
  flush();
  return out;
}
