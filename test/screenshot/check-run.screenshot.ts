import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import type { ScanResult } from "../../src/core/engine/scan-types.js";
import { renderCheckRun } from "../../src/core/render/check-run.js";
import { allRuleMeta } from "../../src/core/rules/index.js";
import { acmeScanResult, cleanScanResult } from "../core/render/scan-fixture.js";
import { CHECKS_PAGE_WIDTH, githubMarkdownPage } from "../support/github-markdown.js";

/**
 * Screenshots of the check-run summary as GitHub shows it on the checks page (about 700 px wide):
 * the Markdown rendered as GFM into a page styled like GitHub's, photographed by headless Chromium.
 * Writes `screenshots/check-run/<name>.html`, `<name>.png` (the whole summary) and
 * `<name>.screen-<k>.png` (700 × 900 each; screen 1 is what a reader sees before scrolling) for
 * each case, and prints each summary's height. Look at the pictures.
 *
 *   npm run screenshot:check-run
 *   CHROMIUM=/path/to/chromium npm run screenshot:check-run     # another browser binary
 *   CHECK_RUN_MD=old-summary.md npm run screenshot:check-run    # also photograph a Markdown file
 *
 * Chromium on Debian: `apt-get update && apt-get install -y chromium fonts-noto-color-emoji`.
 */
const OUT = resolve("screenshots/check-run");
const CHROMIUM = process.env.CHROMIUM ?? "chromium";
const FIRST_SCREEN = 900;
const rules = allRuleMeta();

function summaryOf(result: ScanResult): string {
  const notes = result === acme ? ["PR has more than 3000 files; only the first 3000 were read"] : [];
  return renderCheckRun(result, {
    failOn: "high",
    headSha: "946c35c0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6",
    rules,
    notes,
  }).summary;
}
const acme = acmeScanResult();

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), "rolecall-chromium-"));
  try {
    return execFileSync(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { stdio: ["ignore", "pipe", "pipe"], timeout: 90_000, encoding: "utf8", maxBuffer: 64 << 20 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The laid-out height of the page at the checks-page width, measured by the browser itself. */
function pageHeight(html: string): number {
  const probe = html.replace(/\.html$/, ".height.html");
  const page = readFileSync(html, "utf8").replace(
    "</body>",
    "<script>document.title = 'height=' + document.documentElement.scrollHeight;</script></body>",
  );
  writeFileSync(probe, page);
  const dom = chromium([
    `--window-size=${CHECKS_PAGE_WIDTH},${FIRST_SCREEN}`,
    "--dump-dom",
    `file://${probe}`,
  ]);
  rmSync(probe);
  const m = /<title>height=(\d+)<\/title>/.exec(dom);
  if (m === null) throw new Error(`could not measure ${html}`);
  return Number(m[1]);
}

/** A PNG of `html` at the checks-page width, `height` tall, scrolled down by `top` pixels. */
function screenshot(html: string, png: string, height: number, top = 0): void {
  let target = html;
  if (top > 0) {
    target = html.replace(/\.html$/, `.at-${top}.html`);
    const shifted = readFileSync(html, "utf8").replace("</style>", `body { margin-top: -${top}px; }</style>`);
    writeFileSync(target, shifted);
  }
  chromium([`--screenshot=${png}`, `--window-size=${CHECKS_PAGE_WIDTH},${height}`, `file://${target}`]);
  if (target !== html) rmSync(target);
  // A PNG starts with its signature: the browser wrote a picture.
  expect(readFileSync(png).subarray(1, 4).toString("latin1")).toBe("PNG");
}

/**
 * `<name>.html`, `<name>.png` (the whole summary) and `<name>.screen-<k>.png`, one per screen of
 * 900 px (screen 1 is what a reader sees before scrolling).
 */
function shoot(name: string, markdown: string): void {
  const html = join(OUT, `${name}.html`);
  writeFileSync(html, githubMarkdownPage(markdown, `rolecall check run: ${name}`));
  const height = pageHeight(html);
  screenshot(html, join(OUT, `${name}.png`), Math.min(height, 16_000));
  for (let k = 0; k * FIRST_SCREEN < Math.min(height, 16_000); k++) {
    screenshot(html, join(OUT, `${name}.screen-${k + 1}.png`), FIRST_SCREEN, k * FIRST_SCREEN);
  }
  console.log(`${name}: ${height} px tall at ${CHECKS_PAGE_WIDTH} px wide`);
}

it("photographs the check-run summaries at GitHub's checks-page width", () => {
  mkdirSync(OUT, { recursive: true });
  shoot("acme-payments", summaryOf(acme));
  shoot("clean", summaryOf(cleanScanResult()));
  const extra = process.env.CHECK_RUN_MD;
  if (extra !== undefined && extra !== "") shoot("extra", readFileSync(extra, "utf8"));
  console.log(`screenshots in ${OUT}`);
});
