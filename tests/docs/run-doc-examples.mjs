#!/usr/bin/env node
/**
 * Runs the code blocks of README.md and README.zh-CN.md on Node 20, Node 18,
 * Deno and Bun against the local test server (tests/server/), so that what
 * the guides show is what the library does.
 *
 * Usage: node tests/docs/run-doc-examples.mjs [--only node,node18,deno,bun] [--jobs N] [--verbose] [FILE[:LINE] …]
 *
 * What runs
 * - Every ```ts (or ```typescript) block is a program: an ES module, with
 *   top-level await. A ```js (```javascript, ```mjs) block is one too, run as
 *   plain .mjs without a compiler, as a reader on Node 18 would run it.
 * - Imports of "aiofetch", "@aiofetch/aiofetch" and "jsr:@aiofetch/aiofetch"
 *   are pointed at this checkout's mod.ts (its compiled mod.js on Node).
 * - https://httpbin.org, https://example.com, https://api.example.com and
 *   http://localhost:8080 are pointed at the test server, as
 *   http://localhost:PORT. Write examples against those hosts; a route an
 *   example needs goes into tests/server/ (stand_ins.ts, login.ts).
 * - Each run starts in a scratch directory of its own holding `report.xls`
 *   (a small file for upload examples); what an example writes lands there.
 * - The TypeScript blocks are type-checked together by the repo's tsc
 *   (tsconfig.json, less noUnusedLocals/noUnusedParameters: examples declare
 *   things to show them) and compiled to .mjs for Node; Deno and Bun run the
 *   TypeScript itself.
 * - A block fails when it does not type-check, throws, exits non-zero or runs
 *   longer than 60 s. Failures name the file, the line and the runtime.
 *
 * Marks: an HTML comment on a line of its own just before a block's opening
 * fence (blank lines may come between); several may be stacked.
 * - `<!-- not run: reason -->`: the block is not run (sparingly, and say why).
 * - `<!-- not run on node18: reason -->`: not run on the runtimes listed
 *   (comma-separated: node, node18, deno, bun).
 * - `<!-- continues -->`: the block runs after the one before it, as one
 *   program. It sees the imports and the top-level declarations of the first
 *   block of the chain; its own declarations are put in a scope of its own
 *   (`{ … }`), so consecutive fragments may each declare `resp`. Its imports
 *   must come first in it, and must not import a name the chain has imported.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { pool, root, runChild, selectRuntimes, tsc } from "./runtimes.mjs";

const FILES = ["README.md", "README.zh-CN.md"];
const RUN_LIMIT_MS = 60_000;
const work = join(root, ".build", "doc-examples");
const sources = join(work, "src");
const LANGS = { ts: "ts", typescript: "ts", js: "js", javascript: "js", mjs: "js" };
const RUNTIME_NAMES = ["node", "node18", "deno", "bun"];
/** The hosts examples are written against, all served by the test server. */
const HOSTS = /https:\/\/(?:httpbin\.org|(?:api\.)?example\.com)|http:\/\/(?:httpbin\.org|localhost:8080)/g;
const LIBRARY_IMPORT = /(\bfrom\s*|\bimport\s*\(?\s*)(["'])(?:jsr:)?(?:@aiofetch\/aiofetch|aiofetch)\2/g;

// ---------------------------------------------------------------- reading the blocks

/** A mark's meaning, undefined for any other comment; a malformed mark throws rather than being ignored. */
function parseMark(text, where) {
  if (text === "continues") return { continues: true };
  const notRun = /^not run(?: on ([a-z0-9, ]+))?:\s*(\S.*)$/.exec(text);
  if (notRun) {
    const runtimes = notRun[1]?.split(",").map((name) => name.trim());
    const unknown = runtimes?.filter((name) => !RUNTIME_NAMES.includes(name)) ?? [];
    if (unknown.length) throw new Error(`${where}: unknown runtime ${unknown.join(", ")} in a "not run on" mark`);
    return { notRun: { runtimes, reason: notRun[2] } };
  }
  if (/^(not[ -]run|continues)/i.test(text)) {
    throw new Error(`${where}: a mark is "<!-- not run: reason -->", "<!-- not run on RUNTIME,…: reason -->" or "<!-- continues -->"`);
  }
  return undefined;
}

/** The code blocks of a Markdown file in a language we run, with their marks. */
function extractBlocks(file, text) {
  const lines = text.split("\n");
  const blocks = [];
  let marks = [];
  for (let i = 0; i < lines.length; i++) {
    const comment = /^\s*<!--\s*(.*?)\s*-->\s*$/.exec(lines[i]);
    if (comment) {
      const mark = parseMark(comment[1], `${file}:${i + 1}`);
      if (mark) marks.push(mark);
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!fence) {
      if (lines[i].trim()) marks = [];
      continue;
    }
    const [, indent, ticks, info] = fence;
    let end = i + 1;
    while (end < lines.length && !(lines[end].trim().startsWith(ticks) && lines[end].trim().replace(/[`~]/g, "") === "")) end++;
    const lang = LANGS[info.toLowerCase()];
    if (lang) {
      const code = lines.slice(i + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()));
      blocks.push({ file, line: i + 2, lang, code, marks });
    } else if (marks.length) throw new Error(`${file}:${i + 1}: a mark before a block that is not run anyway (${info || "no language"})`);
    marks = [];
    i = end;
  }
  return blocks;
}

/** The blocks as programs: a block and the blocks that continue it. */
function programsOf(blocks) {
  const programs = [];
  for (const block of blocks) {
    const where = `${block.file}:${block.line}`;
    const notRun = block.marks.filter((mark) => mark.notRun).map((mark) => mark.notRun);
    if (block.marks.some((mark) => mark.continues)) {
      const previous = programs.at(-1);
      if (!previous || previous.file !== block.file) throw new Error(`${where}: "continues" with no block before it`);
      if (previous.skipped) throw new Error(`${where}: continues a block that is not run`);
      if (previous.lang !== block.lang) throw new Error(`${where}: continues a block of another language`);
      if (notRun.some((mark) => !mark.runtimes)) throw new Error(`${where}: a block that continues another cannot be "not run"; mark the chain's first block`);
      previous.segments.push(block);
      for (const mark of notRun) for (const name of mark.runtimes) previous.skipOn.set(name, mark.reason);
      continue;
    }
    const program = { file: block.file, line: block.line, lang: block.lang, segments: [block], skipOn: new Map(), skipped: undefined };
    for (const mark of notRun) {
      if (!mark.runtimes) program.skipped = mark.reason;
      else for (const name of mark.runtimes) program.skipOn.set(name, mark.reason);
    }
    program.name = `${basename(block.file, ".md").toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${block.line}`;
    programs.push(program);
  }
  return programs;
}

// ---------------------------------------------------------------- writing the programs

/** How many of `code`'s first lines are its imports (and the blank lines and comments among them). */
function leadingImports(code) {
  let end = 0;
  for (let i = 0; i < code.length; i++) {
    const line = code[i].trim();
    if (!line || line.startsWith("//")) continue;
    if (!/^import[\s{*]/.test(line)) break;
    while (i < code.length && !/(\bfrom\s*["'][^"']+["']|^import\s*["'][^"']+["'])\s*;?\s*(\/\/.*)?$/.test(code[i].trim())) i++;
    end = i + 1;
  }
  return end;
}

/**
 * The program's text, its imports of the library pointed at `library`, its
 * hosts at `origin`; and, for each line of it, the Markdown line it came
 * from (undefined for the braces added around a continuation).
 */
function programText(program, origin, library) {
  const text = [];
  const from = [];
  const add = (line, at) => {
    text.push(line.replace(HOSTS, origin).replace(LIBRARY_IMPORT, (_all, before, quote) => `${before}${quote}${library}${quote}`));
    from.push(at);
  };
  program.segments.forEach((segment, index) => {
    const split = index === 0 ? segment.code.length : leadingImports(segment.code);
    segment.code.slice(0, split).forEach((line, k) => add(line, segment.line + k));
    if (split === segment.code.length) return;
    add("{", undefined);
    segment.code.slice(split).forEach((line, k) => add(line, segment.line + split + k));
    add("}", undefined);
  });
  return { text: `${text.join("\n")}\n`, from };
}

/** Writes every program's sources; TypeScript for tsc, Deno and Bun, and JavaScript in a Node and a Deno/Bun flavour. */
async function writePrograms(programs, origin) {
  await rm(work, { recursive: true, force: true });
  await mkdir(sources, { recursive: true });
  const out = join(work, "out");
  for (const program of programs) {
    if (program.skipped) continue;
    const { text, from } = programText(program, origin, "../../../mod.ts");
    program.from = from;
    program.ts = join(sources, `${program.name}.${program.lang === "ts" ? "mts" : "mjs"}`);
    await writeFile(program.ts, text);
    if (program.lang === "ts") program.js = join(out, relative(root, program.ts).replace(/\.mts$/, ".mjs"));
    else {
      // Plain JavaScript, not compiled: on Node it imports the build of `tsc -p tsconfig.json`.
      program.js = join(sources, `${program.name}.node.mjs`);
      await writeFile(program.js, programText(program, origin, "../../mod.js").text);
    }
  }
  const files = programs.filter((program) => !program.skipped && program.lang === "ts").map((program) => relative(work, program.ts));
  const config = {
    extends: "../../tsconfig.json",
    compilerOptions: { rootDir: "../..", outDir: "out", noUnusedLocals: false, noUnusedParameters: false, sourceMap: true },
    files,
    include: [],
  };
  await writeFile(join(work, "tsconfig.json"), JSON.stringify(config, null, 2));
}

// ---------------------------------------------------------------- running them

/** The Markdown place of line `n` (1-based) of a program. */
function placeOf(program, n) {
  const line = program.from?.[n - 1] ?? program.from?.[n] ?? program.line;
  return `${program.file}:${line}`;
}

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

/** Output with the program's generated paths and lines turned into Markdown places. */
function mapOutput(program, output) {
  const name = program.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // `path:line:column` in stack traces, `path(line,column)` in tsc's messages; the column is dropped.
  const path = new RegExp(`(?:file://)?[^\\s()'"]*?${name}(?:\\.node)?\\.m[tj]s(?::(\\d+)(?::\\d+)?|\\((\\d+),\\d+\\))?`, "g");
  return stripAnsi(output).replace(path, (_all, line, tscLine) => (line ?? tscLine ? placeOf(program, Number(line ?? tscLine)) : program.file));
}

/** Type errors, each line given to the program it is about. */
function typeErrorsByProgram(programs, output) {
  const errors = new Map();
  for (const line of output.split("\n").filter(Boolean)) {
    const program = programs.find((candidate) => line.includes(`${candidate.name}.mts`));
    if (program) errors.set(program, `${errors.get(program) ?? ""}${mapOutput(program, line)}\n`);
    else errors.set(undefined, `${errors.get(undefined) ?? ""}${line}\n`);
  }
  return errors;
}

async function runOnce(program, runtime) {
  const scratch = await mkdtemp(join(tmpdir(), "aiofetch-doc-"));
  try {
    await writeFile(join(scratch, "report.xls"), "a small spreadsheet, for the upload examples\n");
    const started = Date.now();
    const result = await runChild(runtime.command, runtime.args(program), { cwd: scratch, limitMs: RUN_LIMIT_MS });
    return { ...result, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function matchesFilters(program, filters) {
  if (!filters.length) return true;
  return filters.some((filter) => {
    const [file, line] = filter.split(":");
    return basename(file) === program.file && (!line || program.segments.some((segment) => Math.abs(segment.line - Number(line)) <= 1));
  });
}

function report(program, runs, typeErrors, verbose) {
  const place = `${program.file}:${program.line}`;
  if (program.skipped) return void console.log(`- ${place} not run: ${program.skipped}`);
  const failed = runs.filter((run) => !run.ok);
  const ran = runs.map((run) => run.runtime.name).join(" ");
  const skips = [...program.skipOn].map(([name, reason]) => `; not run on ${name}: ${reason}`).join("");
  console.log(`${failed.length || typeErrors ? "✗" : "✓"} ${place}  ${ran}${skips}`);
  if (typeErrors) console.log(`  does not type-check:\n${typeErrors.replace(/^/gm, "    ")}`);
  for (const run of runs) {
    if (run.ok && !verbose) continue;
    const why = run.killed ? `ran longer than ${RUN_LIMIT_MS / 1000} s` : run.ok ? `${run.seconds.toFixed(1)} s` : `exit ${run.code}`;
    console.log(`  ${run.ok ? "" : "failed: "}${place} on ${run.runtime.name} (${why})`);
    const output = mapOutput(program, run.output).trimEnd();
    if (output) console.log(output.split("\n").slice(-40).map((line) => `    ${line}`).join("\n"));
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const runtimes = selectRuntimes(argv);
  const jobsAt = argv.indexOf("--jobs");
  const jobs = jobsAt >= 0 ? Number(argv.splice(jobsAt, 2)[1]) : 2;
  const verbose = argv.includes("--verbose") && argv.splice(argv.indexOf("--verbose"), 1).length > 0;
  const filters = argv;

  const programs = [];
  for (const file of FILES) programs.push(...programsOf(extractBlocks(file, await readFile(join(root, file), "utf8"))));
  const chosen = programs.filter((program) => matchesFilters(program, filters));
  if (!chosen.length) throw new Error(`no block matches ${filters.join(" ")}`);

  const build = tsc("tsconfig.json"); // the test server, and the mod.js that plain JavaScript blocks import on Node
  if (!build.ok) throw new Error(`the TypeScript build failed:\n${build.output}`);
  const { startServer } = await import(pathToFileURL(join(root, ".build", "tests", "server", "mod.js")).href);
  const server = await startServer();
  const started = Date.now();
  try {
    await writePrograms(chosen, server.localUrl);
    const typeErrors = typeErrorsByProgram(chosen, tsc(join(work, "tsconfig.json")).output);
    if (typeErrors.has(undefined)) throw new Error(`tsc failed:\n${typeErrors.get(undefined)}`);
    const jobsToRun = chosen.filter((program) => !program.skipped).flatMap((program) =>
      runtimes.filter((runtime) => !program.skipOn.has(runtime.name)).map((runtime) => ({ program, runtime }))
    );
    const results = await pool(jobsToRun, jobs, async ({ program, runtime }) => {
      const run = await runOnce(program, runtime);
      return { program, runtime, ...run, ok: run.code === 0 && !run.killed };
    });
    let failures = 0;
    for (const program of chosen) {
      const runs = results.filter((result) => result.program === program);
      failures += runs.filter((run) => !run.ok).length + (typeErrors.has(program) ? 1 : 0);
      report(program, runs, typeErrors.get(program), verbose);
    }
    const ran = chosen.filter((program) => !program.skipped).length;
    console.log(`\n${ran} of ${chosen.length} blocks run, ${results.length} runs on ${runtimes.map((r) => r.name).join(", ")} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${failures ? `${failures} failed` : "all passed"}`);
    process.exitCode = failures ? 1 : 0;
  } finally {
    await server.close();
  }
}

main().catch((err) => {
  console.error(`[doc examples] ${err.message}`);
  process.exitCode = 1;
});
