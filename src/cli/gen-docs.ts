import { writeFileSync } from "node:fs";
import { renderRulesDoc } from "../core/render/rules-doc.js";
import { allRuleMeta } from "../core/rules/index.js";

// Regenerates docs/rules.md from the rule registry (npm run docs).
writeFileSync(new URL("../../docs/rules.md", import.meta.url), renderRulesDoc(allRuleMeta()));
