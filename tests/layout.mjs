#!/usr/bin/env node
/**
 * The layout rules of src/, checked by `npm test` before any runtime runs:
 * no import cycles between modules (type-only imports count: a cycle of
 * types is still a knot to untie), and no source file over 400 lines.
 *
 * Usage: node tests/layout.mjs   (exit 1 when a rule is broken)
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const MAX_LINES = 400;
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const src = join(root, "src");
const IMPORT = /(?:import|export)[^;]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

/** Every .ts file under `dir`. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The relative imports of each file, as absolute paths of files under src/. */
function importGraph(files) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const targets = [...readFileSync(file, "utf8").matchAll(IMPORT)]
      .map((match) => normalize(join(dirname(file), match[1] ?? match[2])))
      .filter((target) => known.has(target));
    graph.set(file, targets);
  }
  return graph;
}

/** One cycle per strongly connected component of more than one file (Tarjan). */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  const visit = (file) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file)) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file), low.get(target)));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file), index.get(target)));
    }
    if (low.get(file) !== index.get(file)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) found.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

const files = sources(src).sort();
const problems = cycles(importGraph(files)).map((component) => `import cycle: ${component.map((file) => relative(root, file)).join(" <-> ")}`);
const sizes = files.map((file) => [readFileSync(file, "utf8").split("\n").length - 1, relative(root, file)]).sort((a, b) => b[0] - a[0]);
for (const [lines, file] of sizes) if (lines > MAX_LINES) problems.push(`${file} has ${lines} lines (at most ${MAX_LINES})`);
for (const problem of problems) console.error(`[layout] ${problem}`);
console.log(`[layout] ${files.length} files in src/, ${problems.length ? "FAILED" : "no import cycles"}, largest ${sizes[0][1]} (${sizes[0][0]} lines)`);
process.exitCode = problems.length ? 1 : 0;
