/**
 * Turns the rounds measured on one runtime into its table (client × scenario:
 * ratio to raw fetch in the same round, median, min–max) and into the list of
 * targets met and missed (see bench/README.md).
 */

export const SCENARIOS = [
  { key: "sequential", title: "1. sequential GET" },
  { key: "concurrent", title: "2. 64 concurrent GETs" },
  { key: "postJson", title: "3. POST JSON" },
  { key: "query", title: "4. params + headers" },
];
export const REQUEST_KEYS = SCENARIOS.map((scenario) => scenario.key);
const BASELINE = "fetch";
/** Raw fetch given the options aiofetch asks fetch for (Deno and Bun): goal 2's second floor. */
export const WITH_OPTIONS = "fetch (aiofetch's options)";
export const AIOFETCH = "aiofetch";
const DUMMY_JAR = "aiofetch (DummyCookieJar)";
const BASE = "aiofetch (base)";
export const STREAMERS = ["aiofetch", "aiofetch .content", "aiofetch .download()"];
export const PEERS = ["ky", "ofetch"];
/** Peak RSS may grow this much more than raw fetch's from the small download to the large one. */
const RSS_SLACK = 16 * 2 ** 20;

const MiB = 2 ** 20;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min, max of `values`, and the median of the ratios to `baseline`'s value in the same round. */
export function summarize(values, baseline) {
  if (!values?.length) return undefined;
  const ratios = baseline?.length ? values.map((value, i) => value / baseline[i]).filter(Number.isFinite) : [];
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    ratio: ratios.length ? median(ratios) : undefined,
  };
}

const fixed = (value) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
export const ratioText = (ratio) => (ratio === undefined ? "–" : `${ratio.toFixed(2)}×`);

/** A table cell: the ratio in bold, then the median and min–max of the values in `unit` (times `scale`). */
export function cell(stats, unit, scale = 1) {
  if (!stats) return "–";
  const [median, min, max] = [stats.median, stats.min, stats.max].map((value) => fixed(value * scale));
  return `**${ratioText(stats.ratio)}** ${median} ${unit} (${min}–${max})`;
}

/** Every statistic of one runtime: by client, by scenario. */
export function analyse(data) {
  const clients = data.clients.map((client) => client.name);
  const stats = {};
  for (const name of clients) stats[name] = {};
  for (const key of REQUEST_KEYS) {
    const times = data.requests?.times?.[key] ?? {};
    for (const name of clients) {
      stats[name][key] = summarize(times[name], times[BASELINE]);
      if (times[WITH_OPTIONS] && stats[name][key]) stats[name][key].vsOptions = summarize(times[name], times[WITH_OPTIONS])?.ratio;
    }
  }
  const { sizes, rounds: downloads } = data.download ?? { sizes: [] };
  const large = sizes.at(-1);
  const small = sizes[0];
  const mibPerSecond = (runs) => runs?.map((run) => run.bytes / MiB / (run.ms / 1000));
  const peak = (runs) => (runs?.length ? median(runs.map((run) => run.peakRss)) : undefined);
  for (const name of clients) {
    const at = (size) => downloads?.[size]?.[name];
    stats[name].download = summarize(mibPerSecond(at(large)), mibPerSecond(downloads?.[large]?.[BASELINE]));
    stats[name].rss = { small: peak(at(small)), large: peak(at(large)) };
    const cold = data.cold?.[name];
    stats[name].cold = summarize(cold?.map((run) => run.readyMs), data.cold?.[BASELINE]?.map((run) => run.readyMs));
    if (stats[name].cold) stats[name].cold.importMs = median(cold.map((run) => run.importMs));
  }
  return { clients, stats, small, large, runtime: data.runtime };
}

export const sizeText = (bytes) => (bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / MiB} MiB`);

/** The runtime's table, in Markdown. */
export function table(analysis) {
  const { clients, stats, small, large } = analysis;
  const head = [
    "client", ...SCENARIOS.map((scenario) => scenario.title),
    `5. download ${large ? sizeText(large) : ""}`.trim(),
    `5. peak RSS ${small ? `${sizeText(small)} → ${sizeText(large)}` : ""}`.trim(),
    "6. cold start to ready",
  ];
  const rows = clients.map((name) => {
    const s = stats[name];
    const rss = s.rss.large === undefined ? "–" : `${(s.rss.small / MiB).toFixed(0)} → ${(s.rss.large / MiB).toFixed(0)} MiB`;
    const cold = s.cold ? `${cell(s.cold, "ms")}, import ${fixed(s.cold.importMs)} ms` : "–";
    return [name, ...REQUEST_KEYS.map((key) => cell(s[key], "µs", 1000)), cell(s.download, "MiB/s"), rss, cold];
  });
  return [head, head.map(() => "---"), ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}

export const titleOf = (key) =>
  SCENARIOS.find((scenario) => scenario.key === key)?.title ?? (key === "download" ? "5. download" : "6. cold start");

/** The targets of bench/README.md, each met or missed, with by how much. */
export function targets(analysis) {
  const { stats, clients } = analysis;
  const lines = [];
  const check = (label, failures, detail = "") => {
    lines.push(failures.length ? `- **missed**: ${label}: ${failures.join("; ")}` : `- met: ${label}${detail}`);
  };
  for (const [name, limit] of [[DUMMY_JAR, 1.05], [AIOFETCH, 1.1]]) {
    if (!stats[name]) continue;
    const over = REQUEST_KEYS.filter((key) => stats[name][key]?.ratio > limit)
      .map((key) => `${titleOf(key)} ${ratioText(stats[name][key].ratio)} (${((stats[name][key].ratio / limit - 1) * 100).toFixed(0)} % over)`);
    check(`${name} ≤ ${limit.toFixed(2)}× raw fetch per request`, over);
  }
  // Deno and Bun: within 5 % of raw fetch, or of raw fetch given the options aiofetch needs (issue goal 2).
  if (stats[WITH_OPTIONS] && stats[AIOFETCH]) {
    for (const [floor, ratioOf] of [["raw fetch", (s) => s.ratio], [WITH_OPTIONS, (s) => s.vsOptions]]) {
      const over = REQUEST_KEYS.filter((key) => stats[AIOFETCH][key] && ratioOf(stats[AIOFETCH][key]) > 1.05)
        .map((key) => `${titleOf(key)} ${ratioText(ratioOf(stats[AIOFETCH][key]))} (${((ratioOf(stats[AIOFETCH][key]) / 1.05 - 1) * 100).toFixed(0)} % over)`);
      check(`${AIOFETCH} ≤ 1.05× ${floor} per request`, over);
    }
  }
  // Node 18 and 20: hops go through undici's dispatcher without the fetch layer, which is most of fetch's time there.
  if (/^(?:18|20)\./.test(analysis.runtime?.name?.startsWith("node") ? analysis.runtime.version : "")) {
    for (const name of [AIOFETCH, DUMMY_JAR].filter((name) => stats[name])) {
      const over = REQUEST_KEYS.filter((key) => stats[name][key]?.ratio > 0.6)
        .map((key) => `${titleOf(key)} ${ratioText(stats[name][key].ratio)} (${((stats[name][key].ratio / 0.6 - 1) * 100).toFixed(0)} % over)`);
      check(`${name} ≤ 0.60× raw fetch per request on Node 18 and 20`, over);
    }
  }
  for (const peer of PEERS.filter((peer) => clients.includes(peer))) {
    const slower = [...REQUEST_KEYS, "download", "cold"].filter((key) => {
      const own = stats[AIOFETCH]?.[key]?.ratio;
      const theirs = stats[peer][key]?.ratio;
      if (own === undefined || theirs === undefined) return false;
      return key === "download" ? own < theirs : own > theirs;
    }).map((key) => `${titleOf(key)} (aiofetch ${ratioText(stats[AIOFETCH][key].ratio)}, ${peer} ${ratioText(stats[peer][key].ratio)})`);
    check(`aiofetch faster than ${peer} on every scenario`, slower);
  }
  for (const name of STREAMERS.filter((streamer) => stats[streamer]?.download)) {
    const { ratio } = stats[name].download;
    check(`${name} download ≥ 0.95× raw body throughput`, ratio < 0.95 ? [`${ratioText(ratio)} (${((1 - ratio / 0.95) * 100).toFixed(0)} % under)`] : [], ` (${ratioText(ratio)})`);
    const rss = rssCheck(analysis, name);
    if (rss) check(`${name} peak RSS independent of the download's size (raw fetch's growth + 16 MiB at most)`, rss.met ? [] : [rss.text], ` (${rss.text})`);
  }
  return lines.join("\n");
}

/**
 * Whether `name`'s peak RSS grew from the small download to the large one by
 * no more than raw fetch's growth + 16 MiB, and the figures; `undefined`
 * where either was not measured.
 */
export function rssCheck(analysis, name) {
  const { small, large } = analysis.stats[name]?.rss ?? {};
  const floor = analysis.stats[BASELINE]?.rss;
  if (small === undefined || large === undefined || floor?.large === undefined || analysis.small === analysis.large) return undefined;
  const growth = large - small;
  const mib = (bytes) => `${bytes >= 0 ? "+" : ""}${(bytes / MiB).toFixed(0)} MiB`;
  const text = `${mib(growth)} from ${sizeText(analysis.small)} → ${sizeText(analysis.large)}, raw fetch ${mib(floor.large - floor.small)}`;
  return { met: growth <= Math.max(0, floor.large - floor.small) + RSS_SLACK, text };
}

/** One row per runtime and aiofetch variant: the ratios alone, for a glance across runtimes. */
export function summary(entries) {
  const head = ["runtime", "client", ...SCENARIOS.map((scenario) => scenario.title), "5. download", "6. cold start"];
  const rows = [];
  for (const { label, analysis } of entries) {
    for (const name of [WITH_OPTIONS, AIOFETCH, DUMMY_JAR, BASE, ...STREAMERS.filter((streamer) => streamer !== AIOFETCH), ...PEERS]) {
      const s = analysis.stats[name];
      if (!s) continue;
      rows.push([label, name, ...REQUEST_KEYS.map((key) => ratioText(s[key]?.ratio)), ratioText(s.download?.ratio), ratioText(s.cold?.ratio)]);
    }
  }
  return [head, head.map(() => "---"), ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}
