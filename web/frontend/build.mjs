// Copy the browser builds of the graph libraries from node_modules into web/static/vendor.
// Nothing third-party is committed: `make setup` runs `npm ci && npm run build` here.
// Load order in the page: layout-base, cose-base, cytoscape, cytoscape-fcose (UMD globals).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const out = resolve(here, "..", "static", "vendor");

const FILES = [
  ["layout-base", "layout-base.js", "layout-base.js"],
  ["cose-base", "cose-base.js", "cose-base.js"],
  ["cytoscape", "dist/cytoscape.min.js", "cytoscape.min.js"],
  ["cytoscape-fcose", "cytoscape-fcose.js", "cytoscape-fcose.js"],
];

mkdirSync(out, { recursive: true });
const manifest = {};
for (const [pkg, src, dest] of FILES) {
  const from = join(modules, pkg, src);
  if (!existsSync(from)) {
    console.error(`build.mjs: ${from} is missing; run \`npm ci\` in web/frontend first`);
    process.exit(1);
  }
  copyFileSync(from, join(out, dest));
  const licence = join(modules, pkg, "LICENSE");
  if (existsSync(licence)) copyFileSync(licence, join(out, `${pkg}.LICENSE.txt`));
  const meta = JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8"));
  manifest[pkg] = { version: meta.version, license: meta.license, file: dest };
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`copied ${FILES.length} files to ${out}`);
