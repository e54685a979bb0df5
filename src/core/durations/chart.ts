import type { Judgement } from "./judge.js";
import { fitted } from "./trend.js";

const DAY = 86_400_000;
const BLOCKS = "▁▂▃▄▅▆▇█";

/** The top of the chart: the session or the longest span, whichever is higher. */
function top(j: Judgement): number {
  return Math.max(j.session, ...j.samples.map((s) => s.seconds), ...j.expiries.map((s) => s.seconds), 1);
}

/**
 * A Unicode sparkline of the spans in run order, scaled so that `█` is the session (or the
 * longest span, when one ran longer); an expired run is `✕`. Empty with no runs.
 */
export function sparkline(j: Judgement): string {
  const t = top(j);
  return [...j.samples, ...j.expiries]
    .sort((a, b) => a.at - b.at || a.runId - b.runId)
    .map((s) => (s.expired ? "✕" : BLOCKS[Math.min(7, Math.max(0, Math.ceil((s.seconds / t) * 8) - 1))]!))
    .join("");
}

const n = (x: number) => (Math.round(x * 10) / 10).toFixed(1);
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * An SVG chart (a string, deterministic): each run's span over time (dots joined by a line),
 * expired runs as red crosses, the session as a dashed red line, and the Theil–Sen fit as a grey
 * line extended to the projected crossing when there is one.
 */
export function svgChart(
  j: Judgement,
  opts: { width?: number; height?: number; title?: string } = {},
): string {
  const w = opts.width ?? 360;
  const h = opts.height ?? 120;
  const pad = 10;
  const points = [...j.samples, ...j.expiries].sort((a, b) => a.at - b.at || a.runId - b.runId);
  const from = j.from ?? 0;
  const end = Math.max(j.to ?? from, j.crossingAt ?? from);
  const span = end - from || 1;
  const t = top(j) * 1.1;
  const x = (at: number) => pad + ((at - from) / span) * (w - 2 * pad);
  const y = (sec: number) => h - pad - (sec / t) * (h - 2 * pad);
  const title = opts.title ?? `Job span against its ${Math.round(j.session / 60)}-minute session`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img">`,
    `<title>${esc(title)}</title>`,
    `<line x1="${pad}" y1="${n(y(j.session))}" x2="${w - pad}" y2="${n(y(j.session))}" stroke="#cf222e" stroke-dasharray="4 3"/>`,
  ];
  if (j.trend && j.from !== null) {
    const a = from;
    const b = end;
    out.push(
      `<line x1="${n(x(a))}" y1="${n(y(fitted(j.trend, 0)))}" x2="${n(x(b))}" y2="${n(y(fitted(j.trend, (b - from) / DAY)))}" stroke="#8c959f" stroke-dasharray="2 2"/>`,
    );
  }
  const ok = points.filter((p) => !p.expired);
  if (ok.length > 1)
    out.push(
      `<polyline fill="none" stroke="#0969da" points="${ok.map((p) => `${n(x(p.at))},${n(y(p.seconds))}`).join(" ")}"/>`,
    );
  for (const p of points) {
    if (p.expired) {
      const cx = x(p.at);
      const cy = y(p.seconds);
      out.push(
        `<path d="M${n(cx - 3)} ${n(cy - 3)}L${n(cx + 3)} ${n(cy + 3)}M${n(cx - 3)} ${n(cy + 3)}L${n(cx + 3)} ${n(cy - 3)}" stroke="#cf222e"/>`,
      );
    } else out.push(`<circle cx="${n(x(p.at))}" cy="${n(y(p.seconds))}" r="2" fill="#0969da"/>`);
  }
  out.push("</svg>");
  return out.join("\n");
}
