/**
 * Job groups (PySpark's `setJobGroup`, `cancelJobGroup`, `cancelAllJobs`),
 * on the cancellation every action already has: each group is an
 * `AbortController` whose signal the jobs started in it listen to, as they
 * listen to a caller's `{ signal }`. Cancelling aborts the controller with an
 * error named `AbortError` and forgets it, so actions started afterwards, in
 * the same group or not, run as usual.
 */

import { setMaxListeners } from 'node:events';

/** A controller whose signal every running job of a Context may listen to at once (no leak warning past 10). */
function controller(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

/** The reason a cancelled group's jobs reject with: named `AbortError`, as `fetch` names its own. */
function cancelled(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

export class JobGroups {
  /** The group actions started now belong to, and its description. */
  current: { readonly id: string; readonly description: string } | undefined;
  private readonly groups = new Map<string, AbortController>();
  private all = controller();

  /** The signals a job started now must stop on: every job's, and its group's. */
  signals(): AbortSignal[] {
    const id = this.current?.id;
    if (id === undefined) return [this.all.signal];
    let group = this.groups.get(id);
    if (group === undefined) this.groups.set(id, (group = controller()));
    return [this.all.signal, group.signal];
  }

  /** Cancels the running jobs of group `id`. */
  cancelGroup(id: string): void {
    const group = this.groups.get(id);
    this.groups.delete(id);
    group?.abort(cancelled(`Job group '${id}' was cancelled (cancelJobGroup)`));
  }

  /** Cancels every running job. */
  cancelAll(): void {
    const all = this.all;
    const groups = [...this.groups.values()];
    this.all = controller();
    this.groups.clear();
    const reason = cancelled('Job cancelled because the Context cancelled all jobs (cancelAllJobs)');
    all.abort(reason);
    for (const g of groups) g.abort(reason);
  }
}
