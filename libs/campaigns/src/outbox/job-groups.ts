/**
 * Outbox batches travel to the workers in jobs of up to BATCHES_PER_JOB. Every BullMQ job costs a
 * worker a fetch (one at a time, up to its concurrency, before it starts any), a lock, and a
 * completion, each a Redis script: with one job per batch, a 25,000-recipient first page (50
 * multicasts) reached LINE over 0.3–0.5 s instead of at once, and 1M recipients made 2,000 jobs.
 *
 * A group is a run's batches whose seq share `floor(seq / BATCHES_PER_JOB)`. Planning starts every
 * page at a multiple of BATCHES_PER_JOB (`alignedNextSeq`), so a group never spans two pages (two
 * relays would otherwise add the same job id, and BullMQ keeps the first), and the reconciler finds
 * a batch's job from the batch alone. A batch re-enqueued by the reconciler goes alone, under its
 * own id and generation.
 */
export const BATCHES_PER_JOB = 8;

/** A batch as the relay groups it: PostgreSQL's ids and its place in its run. */
export interface OutboxBatchRef {
  id: string;
  runId: string;
  seq: number;
}

export interface BatchJob {
  jobId: string;
  batchIds: string[];
}

/** The first seq of the page after one whose last batch has `maxSeq`. */
export function alignedNextSeq(maxSeq: number): number {
  return (Math.floor(maxSeq / BATCHES_PER_JOB) + 1) * BATCHES_PER_JOB;
}

/** The job that first carries batch `seq` of run `runId` (generation 0). */
export function groupJobId(runId: string, seq: number): string {
  return `g-${runId}-${Math.floor(seq / BATCHES_PER_JOB)}`;
}

/** The job of a batch the reconciler enqueued again (generation ≥ 1): that batch alone. */
export function retryJobId(batchId: string, generation: number): string {
  return `b-${batchId}-${generation}`;
}

/** Where the reconciler looks for a batch's job. */
export function jobIdOfBatch(batch: OutboxBatchRef, generation: number): string {
  return generation === 0 ? groupJobId(batch.runId, batch.seq) : retryJobId(batch.id, generation);
}

/** The jobs of `batches` (in the order given; each job's batches keep it). */
export function groupIntoJobs(batches: OutboxBatchRef[]): BatchJob[] {
  const jobs = new Map<string, string[]>();
  for (const b of batches) {
    const id = groupJobId(b.runId, b.seq);
    const ids = jobs.get(id);
    if (ids === undefined) jobs.set(id, [b.id]);
    else ids.push(b.id);
  }
  return [...jobs].map(([jobId, batchIds]) => ({ jobId, batchIds }));
}

/** The refs of a page's batches, `batchIds` in seq order from `firstSeq`. */
export function pageBatchRefs(runId: string, firstSeq: number, batchIds: string[]): OutboxBatchRef[] {
  return batchIds.map((id, i) => ({ id, runId, seq: firstSeq + i }));
}
