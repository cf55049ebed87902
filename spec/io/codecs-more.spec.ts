/** xz, lzma, zstd and tar with the real programs (see codecs-more.ts). */
import { codecSpecs } from './codecs-more.js';

codecSpecs('program');
