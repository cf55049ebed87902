/**
 * Fusion: a run of consecutive per-batch narrow operators computed as one
 * synchronous loop per batch (no `await` per element). Element-wise kernels
 * are compiled together into one generated loop (fuse.ts); a stateful
 * per-batch operator (glom, sample, zipWithIndex) runs between such loops on
 * the same batch. A run stops at a source, a whole-partition operator, a
 * node combining parents, a shuffle, or an RDD read from elsewhere (the
 * cache, another thread).
 */
import { InternalError } from '../errors.js';
import { chunks } from '../ops/iter.js';
import { opOf } from '../ops/registry.js';
import type { BatchOp, Kernel } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import { abortError, taskFailure } from './failures.js';
import {
  compileBatch,
  compileCombine,
  compileSink,
  type KernelBatchStep,
  type KernelCombineStep,
  KernelFailure,
  type KernelStep,
} from './fuse.js';
import { asTaskCode } from './nesting.js';

/** What fusion asks of the running job. */
export interface FusionEnv {
  readonly signal: AbortSignal;
  /** Whether the node's partitions come from elsewhere (the cache, the main thread): fusion stops there. */
  readElsewhere(node: PlanNode): boolean;
  /** What the operator of a batch node prepared for the job (zipWithIndex's offsets). */
  prepared(node: PlanNode): Promise<unknown>;
}

/**
 * At most this many kernels are compiled into one loop: a longer chain (a
 * lineage of thousands of maps) is several loops one after another, each
 * handing the next a batch, so the generated code stays small.
 */
const MAX_FUSED = 64;

/** Whether a node runs inside a fused loop. */
export function isFusible(node: PlanNode): boolean {
  return node.kind === 'kernel' || node.kind === 'batch';
}

/** The maximal run of fusible operators ending at `node`, in order, and the node that feeds them. */
export function fusibleChain(node: PlanNode, env: FusionEnv): { feed: PlanNode; chain: PlanNode[] } {
  const chain: PlanNode[] = [];
  let cur: PlanNode = node;
  while (isFusible(cur) && (cur === node || !env.readElsewhere(cur))) {
    chain.push(cur);
    cur = cur.parents[0] as PlanNode;
  }
  return { feed: cur, chain: chain.reverse() };
}

/** A run of kernels compiled into one loop, or one stateful per-batch operator. */
export type Segment =
  | { readonly kind: 'kernels'; readonly nodes: readonly PlanNode[]; readonly kernels: readonly Kernel[] }
  | { readonly kind: 'batch'; readonly node: PlanNode };

const kernels = new WeakMap<PlanNode, Kernel>();
function kernelOf(node: PlanNode): Kernel {
  let k = kernels.get(node);
  if (k === undefined) {
    const def = opOf(node);
    if (def.kind !== 'kernel') throw new InternalError(`${node.op} is not element-wise`);
    k = def.kernel(node.args);
    kernels.set(node, k);
  }
  return k;
}

export function segmentsOf(chain: readonly PlanNode[]): Segment[] {
  const segments: Segment[] = [];
  let nodes: PlanNode[] = [];
  const flush = () => {
    if (nodes.length > 0) segments.push({ kind: 'kernels', nodes, kernels: nodes.map(kernelOf) });
    nodes = [];
  };
  for (const node of chain) {
    if (node.kind === 'kernel') {
      nodes.push(node);
      if (nodes.length === MAX_FUSED) flush();
    } else {
      flush();
      segments.push({ kind: 'batch', node });
    }
  }
  flush();
  return segments;
}

/** Compiled loops, kept with the chain they were compiled for (the last node and the chain length identify it). */
const compiledBatch = new WeakMap<PlanNode, Map<number, KernelBatchStep>>();
const compiledSink = new WeakMap<PlanNode, Map<number, KernelStep>>();
const compiledCombine = new WeakMap<PlanNode, Map<number, KernelCombineStep>>();

export type KernelSegment = Segment & { kind: 'kernels' };

function cached<F>(
  store: WeakMap<PlanNode, Map<number, F>>,
  seg: KernelSegment,
  make: () => F,
  variant = 0,
): F {
  const last = seg.nodes[seg.nodes.length - 1] as PlanNode;
  let m = store.get(last);
  if (m === undefined) store.set(last, (m = new Map()));
  const key = seg.nodes.length * 2 + variant;
  let f = m.get(key);
  if (f === undefined) m.set(key, (f = make()));
  return f;
}

/**
 * The segment's loop ending in a sink (an action's function); `own`: it
 * reads shared data in place and copies each object it reads (see lib/values/copy.ts).
 */
export const sinkStep = (seg: KernelSegment, own = false): KernelStep =>
  cached(compiledSink, seg, () => compileSink(seg.kernels, own), own ? 1 : 0);
/** The segment's loop folding into a combine target (a shuffle's map side). */
export const combineStep = (seg: KernelSegment, own = false): KernelCombineStep =>
  cached(compiledCombine, seg, () => compileCombine(seg.kernels, own), own ? 1 : 0);

/** Turns a failure inside a compiled loop into a TaskError naming the kernel that threw. */
export function kernelFailure(seg: KernelSegment, partition: number, e: unknown): unknown {
  if (!(e instanceof KernelFailure)) return e;
  const node = seg.nodes[e.index];
  // Past the last kernel: the sink (an action's function) threw; the action reports it.
  return node === undefined ? e.error : taskFailure(node.op, node.id, partition, e.error);
}

/** One partition's instance of a segment: a function from a batch to the next batch, and the end-of-input flush. */
interface Step {
  run(batch: readonly unknown[]): unknown[];
  end(): unknown[];
}

function step(seg: Segment, partition: number, prepared: unknown): Step {
  if (seg.kind === 'kernels') {
    const loop = cached(compiledBatch, seg, () => compileBatch(seg.kernels));
    return {
      run: (batch) => {
        const out: unknown[] = [];
        try {
          asTaskCode(() => loop(batch, out));
        } catch (e) {
          throw kernelFailure(seg, partition, e);
        }
        return out;
      },
      end: () => [],
    };
  }
  const { node } = seg;
  const def = opOf(node);
  if (def.kind !== 'batch') throw new InternalError(`${node.op} is not a per-batch operator`);
  const fail = (e: unknown) => taskFailure(node.op, node.id, partition, e);
  let op: BatchOp<unknown, unknown>;
  try {
    op = def.make(node.args, partition, prepared);
  } catch (e) {
    throw fail(e);
  }
  return {
    run: (batch) => {
      const out: unknown[] = [];
      try {
        asTaskCode(() => op.step(batch, out));
      } catch (e) {
        throw fail(e);
      }
      return out;
    },
    end: () => {
      const out: unknown[] = [];
      try {
        asTaskCode(() => op.end?.(out));
      } catch (e) {
        throw fail(e);
      }
      return out;
    },
  };
}

/** What each batch segment's operator prepared for the job, in segment order (undefined for kernel runs). */
function preparedOf(segments: readonly Segment[], env: FusionEnv): Promise<unknown[]> {
  return Promise.all(
    segments.map((seg) =>
      seg.kind === 'batch' && (opOf(seg.node) as { prepare?: unknown }).prepare !== undefined
        ? env.prepared(seg.node)
        : undefined,
    ),
  );
}

/** Runs the batches of `source` through `segments`, then each segment's end-of-input flush through the ones after it. */
export async function* pipeline(
  source: AsyncIterable<unknown[]>,
  segments: readonly Segment[],
  partition: number,
  env: FusionEnv,
): AsyncGenerator<unknown[]> {
  const prepared = await preparedOf(segments, env);
  const steps = segments.map((seg, i) => step(seg, partition, prepared[i]));
  const through = (batch: readonly unknown[], from: number): unknown[] => {
    let b = batch as unknown[];
    for (let i = from; i < steps.length && b.length > 0; i++) b = (steps[i] as Step).run(b);
    return b;
  };
  for await (const batch of source) {
    if (env.signal.aborted) throw abortError(env.signal);
    const out = through(batch, 0);
    if (out.length > 0) yield out;
  }
  for (let i = 0; i < steps.length; i++) {
    for (const b of chunks((steps[i] as Step).end())) {
      const out = through(b, i + 1);
      if (out.length > 0) yield out;
    }
  }
}
