/** Three-valued truth: a fact rolecall can decide, or cannot (`"unknown"`, always with a reason elsewhere). */
export type Tri = boolean | "unknown";

export function and3(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === true && b === true) return true;
  return "unknown";
}

export function or3(a: Tri, b: Tri): Tri {
  if (a === true || b === true) return true;
  if (a === false && b === false) return false;
  return "unknown";
}

export function not3(a: Tri): Tri {
  return a === "unknown" ? a : !a;
}
