/** `rdd.glom()`: each partition as one array (an empty partition gives `[]`). */
import type { BatchOpDef } from './types.js';

export const glom: BatchOpDef<Record<string, never>> = {
  kind: 'batch',
  keepsPartitioner: false,
  make: () => {
    const all: unknown[] = [];
    return {
      step: (batch) => {
        for (let i = 0; i < batch.length; i++) all.push(batch[i]);
      },
      end: (out) => {
        out.push(all);
      },
    };
  },
};
