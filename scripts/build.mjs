// Builds the server and CLI into one JavaScript file, dist/openirm.mjs, with the database migrations
// next to it in dist/migrations. `npm start` runs the build: the bundle starts faster and needs about
// 80 MB less memory than running the TypeScript sources through a loader. Third-party packages are
// not bundled; they load from node_modules as usual.

import { cpSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

rmSync(join(dist, "migrations"), { recursive: true, force: true });
await build({
  entryPoints: [join(root, "packages/cli/src/main.ts")],
  outfile: join(dist, "openirm.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [
    {
      name: "workspace-only",
      setup(b) {
        // Bundle the workspace packages; leave every other bare import to node_modules.
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@openirm/") ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
cpSync(join(root, "packages/server/src/store/migrations"), join(dist, "migrations"), { recursive: true });
