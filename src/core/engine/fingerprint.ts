// Moved to the findings layer; kept so older imports resolve.
export { findingFingerprint, fnv1a64 } from "../findings/fingerprint.js";
