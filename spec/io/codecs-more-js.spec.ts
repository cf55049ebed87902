/**
 * xz, lzma, zstd and tar with the pure-JS decoders forced: sparkling's own
 * xz/LZMA decoder and fzstd (see codecs-more.ts). Set before any Context
 * exists, so worker threads inherit it.
 */
import { codecSpecs } from './codecs-more.js';

process.env.SPARKLING_XZ = 'js';
process.env.SPARKLING_ZSTD = 'js';
process.env.SPARKLING_BZIP2 = 'js';
codecSpecs('js');
