import { parse } from "yaml";

/**
 * Characters that change a single-quoted HTML attribute value as a browser decodes it: the quote
 * ends it and `&` can start a character reference. Probot's setup page (npm start without APP_ID)
 * puts app.yml, as JSON, into such an attribute without escaping it, so a manifest string holding
 * one of them reaches GitHub cut short or altered.
 */
const BREAKS_ATTRIBUTE = /['&]/;

/** What in app.yml would break Probot's setup page, one plain message per string; [] when nothing. */
export function setupManifestProblems(appYml: string): string[] {
  let doc: unknown;
  try {
    doc = parse(appYml);
  } catch (e) {
    return [`app.yml is not valid YAML: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === "string") {
      const c = BREAKS_ATTRIBUTE.exec(v)?.[0];
      if (c)
        problems.push(
          `app.yml ${path || "(root)"}: ${c === "'" ? "an apostrophe" : "an ampersand"} (${JSON.stringify(c)}) breaks Probot's setup page, which puts the manifest in a single-quoted HTML attribute; rephrase without it`,
        );
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
    } else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(doc, "");
  return problems;
}
