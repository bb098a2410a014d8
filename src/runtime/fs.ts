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

/** A file being written chunk by chunk (see {@link openFileSink}). */
export interface FileSink {
  /** Writes the whole chunk at the end of what was written so far. */
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the file; safe to call twice. */
  close(): Promise<void>;
}

/** Opens `path` for writing: appended to when `append`, else created or emptied. */
export async function openFileSink(path: string, append: boolean): Promise<FileSink> {
  const { open } = await fs();
  const handle = await open(path, append ? "a" : "w");
  let closed = false;
  return {
    async write(chunk) {
      // write() may take less than asked for; loop until the chunk is on disk.
      for (let offset = 0; offset < chunk.byteLength;) {
        offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** The size of the file at `path`, or `undefined` if there is none. */
export async function fileSize(path: string): Promise<number | undefined> {
  const { stat } = await fs();
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** The file's bytes, a piece at a time (the piece is reused: use it before asking for the next). */
export async function* readFilePieces(path: string, pieceSize = 1 << 20): AsyncGenerator<Uint8Array, void, undefined> {
  const { open } = await fs();
  const handle = await open(path, "r");
  try {
    const piece = new Uint8Array(pieceSize);
    for (let read = 0; (read = (await handle.read(piece, 0, pieceSize, null)).bytesRead) > 0;) yield piece.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Renames `from` to `to`, replacing `to` in one step where the system allows (POSIX does). */
export async function renameFile(from: string, to: string): Promise<void> {
  const { rename } = await fs();
  await rename(from, to);
}

/** Removes a file; no error if it is not there. */
export async function removeFile(path: string): Promise<void> {
  const { rm } = await fs();
  await rm(path, { force: true });
}
