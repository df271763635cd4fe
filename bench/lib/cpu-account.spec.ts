import { cpuSpent, CpuReading } from './cpu-account';

describe('cpuSpent', () => {
  it('sums each group’s growth per process, counting a process that started in between from zero', () => {
    const before: CpuReading = new Map([
      [
        'pg',
        new Map([
          [10, 1.5],
          [11, 2],
        ]),
      ],
      ['workers', new Map([[20, 4]])],
    ]);
    const after: CpuReading = new Map([
      // 11 ended in between: its time is gone, not negative.
      [
        'pg',
        new Map([
          [10, 2.25],
          [12, 0.5],
        ]),
      ],
      ['workers', new Map([[20, 5]])],
    ]);
    expect(cpuSpent(before, after)).toEqual({ pg: 1.25, workers: 1 });
  });
});
