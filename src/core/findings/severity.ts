/** Finding severities, most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Compares severities: negative when `a` is more severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

/** True when `s` is at or above `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return compareSeverity(s, threshold) <= 0;
}

/** How one severity is shown in every output: the one table the renderers read (no renderer maps its own). */
export interface SeverityPresentation {
  /** `High`. */
  label: string;
  /** The coloured marker of Markdown outputs. */
  icon: string;
  /** The Checks API annotation level. */
  annotationLevel: "failure" | "warning" | "notice";
  /** The SARIF result level code scanning shows. */
  sarifLevel: "error" | "warning" | "note";
  /** GitHub's `security-severity` score (a string). */
  securitySeverity: string;
}

export const SEVERITY: Readonly<Record<Severity, SeverityPresentation>> = {
  critical: {
    label: "Critical",
    icon: "🔴",
    annotationLevel: "failure",
    sarifLevel: "error",
    securitySeverity: "9.5",
  },
  high: {
    label: "High",
    icon: "🟠",
    annotationLevel: "failure",
    sarifLevel: "error",
    securitySeverity: "8.0",
  },
  medium: {
    label: "Medium",
    icon: "🟡",
    annotationLevel: "warning",
    sarifLevel: "warning",
    securitySeverity: "5.5",
  },
  low: { label: "Low", icon: "🔵", annotationLevel: "notice", sarifLevel: "note", securitySeverity: "3.0" },
  info: { label: "Info", icon: "⚪", annotationLevel: "notice", sarifLevel: "note", securitySeverity: "0.0" },
};
