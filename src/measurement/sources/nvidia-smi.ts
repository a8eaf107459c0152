import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DomainInfo, EnergySource, RawReading } from '../types.js';
import type { Clock } from '../clock.js';

/** nvidia-smi prints local time as "YYYY/MM/DD HH:MM:SS.mmm"; returns ms since epoch, or undefined. */
export function parseSmiTimestamp(s: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(s.trim());
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms).getTime();
}

/** A value of a nounits CSV field: a number, or undefined for "[N/A]", "[Not Supported]" and the like. */
export function parseSmiNumber(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = s.trim().replace(/\s*W$/, '');
  if (v === '' || v.startsWith('[')) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export interface SmiGpu {
  index: number;
  name: string;
  uuid: string;
}

/** Lists GPUs with `nvidia-smi --query-gpu=index,name,uuid --format=csv,noheader`. */
export function listSmiGpus(binary: string): SmiGpu[] {
  const out = execFileSync(binary, ['--query-gpu=index,name,uuid', '--format=csv,noheader'], {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [index, name, uuid] = l.split(',').map((x) => x.trim());
      return { index: Number(index), name, uuid };
    });
}

/**
 * GPU power sampled from one long-lived `nvidia-smi -lms N` child. Method "sampled":
 * the power readings are integrated over time by the meter.
 */
export class NvidiaSmiSource implements EnergySource {
  readonly name = 'nvidia-smi';
  private child?: ChildProcess;
  private buffer: RawReading[] = [];
  private readonly issues: string[] = [];
  private stopping = false;

  constructor(
    private readonly opts: { binary: string; intervalMs: number },
    private readonly clock: Clock,
  ) {}

  async start(): Promise<DomainInfo[]> {
    const gpus = listSmiGpus(this.opts.binary);
    if (gpus.length === 0) throw new Error('nvidia-smi lists no GPU');
    const child = spawn(
      this.opts.binary,
      ['--query-gpu=timestamp,index,power.draw', '--format=csv,noheader,nounits', `-lms`, String(this.opts.intervalMs)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.issues.push(`nvidia-smi exited during the run (code ${code}, signal ${signal}); GPU power after t=${this.clock.now().toFixed(1)} s is missing`);
    });
    child.on('error', (e) => this.issues.push(`nvidia-smi: ${e.message}`));
    return gpus.map((g) => ({
      device: `gpu:${g.index}`,
      method: 'sampled' as const,
      source: `nvidia-smi power.draw every ${this.opts.intervalMs} ms (${g.name}, ${g.uuid}), integrated over time`,
      scope: 'the whole GPU (all processes on it)',
      uncertainty: {
        relative: 0,
        absoluteW: 5,
        basis: "NVIDIA documents power readings as accurate to +/-5 W; sampling can miss bursts shorter than the interval",
      },
    }));
  }

  private onLine(line: string): void {
    const [ts, index, power] = line.split(',').map((x) => x.trim());
    const idx = Number(index);
    if (!Number.isInteger(idx)) return;
    const powerW = parseSmiNumber(power);
    if (powerW === undefined) {
      if (this.issues.length < 20) this.issues.push(`nvidia-smi reported power.draw "${power}" for GPU ${idx}`);
      return;
    }
    const wall = parseSmiTimestamp(ts ?? '');
    const now = this.clock.now();
    const t = wall === undefined ? now : Math.min(now, this.clock.fromWallMs(wall));
    this.buffer.push({ device: `gpu:${idx}`, t, powerW });
  }

  poll(): RawReading[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {
    this.stopping = true;
    this.child?.kill('SIGTERM');
  }
}
