/** The word count of the Spark specs, shared by the stand-in executor and the specs' local reference. Not a spec file. */

/** 32-bit FNV-1a over UTF-16 code units: the stand-in's partitioner. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const words = (line: string): string[] => line.split(' ').filter((w) => w !== '');
