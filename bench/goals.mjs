/**
 * The six performance goals of bench/README.md ("Targets"), each stated met
 * or missed per runtime with its ratios, from one `npm run bench`: goals 1–5
 * from the main suite's rounds (report.mjs `analyse`), goal 6 from the crawl
 * the same run makes (bench/crawl.mjs). The per-runtime "Targets" lists
 * below the summary break the same figures down further.
 */
import { AIOFETCH, PEERS, ratioText, REQUEST_KEYS, rssCheck, STREAMERS, titleOf, WITH_OPTIONS } from "./report.mjs";

/** How a user reads the body in each of the download clients. */
const WAY = { aiofetch: "resp.body", "aiofetch .content": "resp.content", "aiofetch .download()": "session.download()" };

const isNode = (analysis) => analysis.runtime?.name?.startsWith("node") ?? false;
const range = (ratios) => (ratios.length ? `${ratioText(Math.min(...ratios))}–${ratioText(Math.max(...ratios))}` : "–");
const state = (met, label, text) => `- ${met ? "met" : "**missed**"}: ${label}: ${text}`;

/** The request cells (scenarios 1–4) of `name` that were measured: `[key, stats]`. */
function requestCells(analysis, name) {
  return REQUEST_KEYS.map((key) => [key, analysis.stats[name]?.[key]]).filter(([, s]) => s?.ratio !== undefined);
}

/** Goal 1, Node 18 and 20: at most 0.60× raw fetch in every request cell. */
function fasterThanFetch({ label, analysis }) {
  const cells = requestCells(analysis, AIOFETCH);
  const over = cells.filter(([, s]) => s.ratio > 0.6).map(([key, s]) => `${titleOf(key)} ${ratioText(s.ratio)}`);
  return state(!over.length, label, `${range(cells.map(([, s]) => s.ratio))} raw fetch${over.length ? `; over 0.60×: ${over.join(", ")}` : ""}`);
}

/** Goal 2, Deno and Bun: each cell at most 1.05× raw fetch, or 1.05× raw fetch given aiofetch's options where those alone cost more. */
function nearFetch({ label, analysis }) {
  const cells = requestCells(analysis, AIOFETCH);
  const options = (key) => analysis.stats[WITH_OPTIONS]?.[key]?.ratio;
  const over = cells.filter(([key, s]) => s.ratio > 1.05 && !(options(key) > 1.05 && s.vsOptions <= 1.05))
    .map(([key, s]) => `${titleOf(key)} ${ratioText(s.ratio)} (${ratioText(s.vsOptions)} of fetch with the options)`);
  const vsOptions = cells.map(([, s]) => s.vsOptions).filter((ratio) => ratio !== undefined);
  return state(!over.length, label, `${range(cells.map(([, s]) => s.ratio))} raw fetch, ${range(vsOptions)} raw fetch given aiofetch's options${over.length ? `; over: ${over.join("; ")}` : ""}`);
}

/** Goal 3: ahead of ofetch and ky in every request cell. */
function aheadOfPeers({ label, analysis }) {
  const cells = requestCells(analysis, AIOFETCH);
  const behind = [];
  for (const peer of PEERS) {
    for (const [key, s] of cells) {
      const theirs = analysis.stats[peer]?.[key]?.ratio;
      if (theirs !== undefined && s.ratio >= theirs) behind.push(`${titleOf(key)} ${ratioText(s.ratio)} against ${peer}'s ${ratioText(theirs)}`);
    }
  }
  const ahead = cells.length * PEERS.length - behind.length;
  return state(!behind.length, label, behind.length ? `behind in ${behind.length} cells: ${behind.join("; ")}` : `ahead in all ${ahead} cells`);
}

/** Goal 4: a cold start no slower than ofetch's. */
function coldStart({ label, analysis }) {
  const own = analysis.stats[AIOFETCH]?.cold;
  const theirs = analysis.stats.ofetch?.cold;
  if (!own || !theirs) return `- not measured: ${label}`;
  const imports = `import ${own.importMs.toFixed(1)} ms against ${theirs.importMs.toFixed(1)} ms`;
  return state(own.ratio <= theirs.ratio, label, `${ratioText(own.ratio)} a bare process, ofetch ${ratioText(theirs.ratio)} (${imports})`);
}

/** Goal 5: at least 0.95× raw body throughput through each way of reading, with peak RSS independent of the size. */
function downloads({ label, analysis }) {
  const ways = STREAMERS.filter((name) => analysis.stats[name]?.download);
  const missed = [];
  const figures = ways.map((name) => {
    const { ratio } = analysis.stats[name].download;
    const rss = rssCheck(analysis, name);
    if (ratio < 0.95) missed.push(`${WAY[name]} ${ratioText(ratio)}`);
    if (rss && !rss.met) missed.push(`${WAY[name]} peak RSS ${rss.text}`);
    return `${WAY[name]} ${ratioText(ratio)}`;
  });
  const absent = STREAMERS.filter((name) => !ways.includes(name));
  if (absent.length) missed.push(`not measured: ${absent.map((name) => WAY[name]).join(", ")}`);
  return state(!missed.length, label, `${figures.join(", ")}${missed.length ? `; missed: ${missed.join("; ")}` : ""}`);
}

/**
 * The goals section of bench/RESULTS.md. `entries`: `{ label, analysis }`
 * per runtime; `crawl`: the crawl's goal lines (crawl.mjs), or a reason it
 * has none.
 */
export function goals(entries, crawl) {
  const node = entries.filter(({ analysis }) => isNode(analysis) && /^(?:18|20)\./.test(analysis.runtime.version));
  const others = entries.filter(({ analysis }) => !isNode(analysis));
  const section = (title, lines) => [`### ${title}`, "", ...(lines.length ? lines : ["- not measured"]), ""];
  return [
    "## Goals",
    "",
    ...section("1. Node 18 and 20: at most 0.60× raw fetch per request (scenarios 1–4)", node.map(fasterThanFetch)),
    ...section("2. Deno and Bun: at most 1.05× raw fetch per request, or 1.05× raw fetch given aiofetch's options where those cost more by themselves", others.map(nearFetch)),
    ...section("3. Ahead of ofetch and ky in every per-request cell", entries.map(aheadOfPeers)),
    ...section("4. Cold start to ready no slower than ofetch's", entries.map(coldStart)),
    ...section(`5. Downloads at least 0.95× raw body throughput through ${STREAMERS.map((name) => WAY[name]).join(", ")}, peak RSS independent of size`, entries.map(downloads)),
    ...section("6. The crawl (bench/RESULTS-crawl.md): aiofetch first", typeof crawl === "string" ? [`- not measured: ${crawl}`] : crawl),
  ].join("\n");
}
