/**
 * One monotonic clock shared by the main thread and the sampler worker (process.hrtime is
 * process-wide), anchored to the wall clock once, at meter start.
 */
export interface ClockAnchor {
  /** process.hrtime.bigint() at t = 0, as a decimal string (bigints do not cross postMessage everywhere). */
  hr0: string;
  /** Date.now() at t = 0. */
  wallMs0: number;
}

export class Clock {
  private readonly hr0: bigint;
  constructor(readonly anchor: ClockAnchor) {
    this.hr0 = BigInt(anchor.hr0);
  }

  static start(): Clock {
    return new Clock({ hr0: process.hrtime.bigint().toString(), wallMs0: Date.now() });
  }

  /** Seconds since t = 0. */
  now(): number {
    return Number(process.hrtime.bigint() - this.hr0) / 1e9;
  }

  iso(t: number): string {
    return new Date(this.anchor.wallMs0 + t * 1000).toISOString();
  }

  /** Converts a wall-clock time (ms since epoch) to clock seconds. */
  fromWallMs(ms: number): number {
    return (ms - this.anchor.wallMs0) / 1000;
  }
}
