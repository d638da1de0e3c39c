/**
 * Turns a drop (files, folders, zips) into a flat list of Files with their relative paths as
 * names. Only walks directory entries; reading bytes and decoding happen in the Worker.
 */

interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  fullPath: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: Entry[]) => void, fail: (e: unknown) => void): void };
}

async function walk(entry: Entry, out: File[]): Promise<void> {
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((ok, fail) => entry.file!(ok, fail));
    out.push(new File([file], entry.fullPath.replace(/^\//, ''), { type: file.type, lastModified: file.lastModified }));
  } else if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries returns at most ~100 entries per call: read until it returns none.
    for (;;) {
      const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, out);
    }
  }
}

export async function filesFromDrop(data: DataTransfer): Promise<File[]> {
  const entries = Array.from(data.items)
    .map((item) => (item.kind === 'file' ? (item.webkitGetAsEntry() as unknown as Entry | null) : null))
    .filter((e): e is Entry => e !== null);
  if (entries.length === 0) return Array.from(data.files);
  const out: File[] = [];
  for (const entry of entries) await walk(entry, out);
  return out;
}

/**
 * What to call a new dataset, for its runs and files: the folder the images came from, the zip's
 * name, or `fallback` ("my images") for loose files.
 */
export function datasetLabel(files: File[], fallback: string): string {
  const paths = files.map((f) => f.webkitRelativePath || f.name);
  const tops = new Set(paths.map((p) => (p.includes('/') ? p.split('/')[0]! : '')));
  const [top] = [...tops];
  if (tops.size === 1 && top) return top;
  const only = files.length === 1 ? files[0]!.name : '';
  if (/\.zip$/i.test(only)) return only.replace(/\.zip$/i, '');
  return fallback;
}
