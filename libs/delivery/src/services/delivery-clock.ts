import { Injectable } from '@nestjs/common';

/**
 * The time the delivery rules see (quiet hours, schedules, due runs). Production never moves it;
 * tests shift it to stand at 22:00 in Tokyo without waiting for the evening.
 */
@Injectable()
export class DeliveryClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Test hook: from now on, `now()` answers `at` plus the real time elapsed since. */
  setNow(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
