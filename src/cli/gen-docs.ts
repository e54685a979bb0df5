import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../core/config/config.js";
import { renderRulesDoc } from "../core/render/rules-doc.js";
import { allRuleMeta } from "../core/rules/index.js";

// Regenerates the generated artefacts (npm run docs): docs/rules.md and the configuration's JSON Schema.
writeFileSync(new URL("../../docs/rules.md", import.meta.url), renderRulesDoc(allRuleMeta()));
writeFileSync(
  new URL("../../schemas/rolecall-config.schema.json", import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
