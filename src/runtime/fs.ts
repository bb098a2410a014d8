/**
 * The library's file access, in one place. `node:fs/promises` works on Node,
 * Bun and Deno alike; it is imported on first use so that merely importing
 * aiofetch touches no file system module.
 */

type Fs = typeof import("node:fs/promises");

let fsModule: Promise<Fs> | undefined;

function fs(): Promise<Fs> {
  return (fsModule ??= import("node:fs/promises"));
}

/**
 * Writes `text` to `path` with the given mode, atomically: a temporary file
 * in the same folder is written, then renamed over the target, so a failure
 * never leaves a half-written file behind.
 */
export async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  const { writeFile, rename, rm, chmod } = await fs();
  const temporary = `${path}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await writeFile(temporary, text, { mode });
    await chmod(temporary, mode); // the umask may have narrowed or widened the mode
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => {});
    throw err;
  }
}

/** Reads a UTF-8 text file. */
export async function readTextFile(path: string): Promise<string> {
  const { readFile } = await fs();
  return readFile(path, "utf8");
}
