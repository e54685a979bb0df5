import { defineConfig } from "vitest/config";

/** `npm run screenshot:check-run`: not part of `npm test` (it needs Chromium). */
export default defineConfig({
  test: {
    include: ["test/screenshot/**/*.screenshot.ts"],
    environment: "node",
    testTimeout: 120_000,
    pool: "forks",
  },
});
