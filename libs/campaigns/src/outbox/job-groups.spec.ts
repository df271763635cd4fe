import fc from 'fast-check';
import { BATCHES_PER_JOB, alignedNextSeq, groupIntoJobs, jobIdOfBatch, pageBatchRefs, retryJobId } from './job-groups';

describe('job groups', () => {
  it('starts the next page at a multiple of BATCHES_PER_JOB past the last batch', () => {
    expect(alignedNextSeq(0)).toBe(BATCHES_PER_JOB);
    expect(alignedNextSeq(BATCHES_PER_JOB - 1)).toBe(BATCHES_PER_JOB);
    expect(alignedNextSeq(BATCHES_PER_JOB)).toBe(2 * BATCHES_PER_JOB);
    expect(alignedNextSeq(49)).toBe(56);
  });

  it('splits a page into jobs of at most BATCHES_PER_JOB in seq order', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const jobs = groupIntoJobs(pageBatchRefs('r1', 0, ids));
    expect(jobs.map((j) => j.batchIds.length)).toEqual([8, 8, 8, 8, 8, 8, 2]);
    expect(jobs.flatMap((j) => j.batchIds)).toEqual(ids);
    expect(jobs[1].jobId).toBe('g-r1-1');
  });

  it('keeps runs apart: one-batch event runs are a job each', () => {
    const jobs = groupIntoJobs([
      { id: 'a', runId: 'r1', seq: 0 },
      { id: 'b', runId: 'r2', seq: 0 },
    ]);
    expect(jobs).toEqual([
      { jobId: 'g-r1-0', batchIds: ['a'] },
      { jobId: 'g-r2-0', batchIds: ['b'] },
    ]);
  });

  it('gives the reconciler the job that carries a batch: its group first, then its own retries', () => {
    expect(jobIdOfBatch({ id: 'b9', runId: 'r1', seq: 9 }, 0)).toBe('g-r1-1');
    expect(jobIdOfBatch({ id: 'b9', runId: 'r1', seq: 9 }, 2)).toBe(retryJobId('b9', 2));
  });

  it('never puts batches of two pages in one job when pages start where alignedNextSeq says', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        let next = 0;
        const pageOfJob = new Map<string, number>();
        sizes.forEach((size, page) => {
          const ids = Array.from({ length: size }, (_, i) => `p${page}-${i}`);
          for (const job of groupIntoJobs(pageBatchRefs('run', next, ids))) {
            // A job id seen on an earlier page would be dropped by BullMQ as a duplicate.
            expect(pageOfJob.get(job.jobId) ?? page).toBe(page);
            pageOfJob.set(job.jobId, page);
            expect(job.batchIds.length).toBeLessThanOrEqual(BATCHES_PER_JOB);
          }
          next = alignedNextSeq(next + size - 1);
        });
      }),
    );
  });
});
