import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // PostgreSQL-backed runs share one database: run files one at a time there.
    fileParallelism: !process.env.DATABASE_URL,
  },
});
