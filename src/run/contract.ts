/**
 * The run directory contract: run.json, samples.csv, summary.csv, report.md (+ charts).
 * Other tools read these files; keep field names stable and bump SCHEMA_VERSION on breaking change.
 */
import type { DomainInfo } from '../measurement/types.js';
import type { DomainEnergy } from '../measurement/windows.js';
import type { AlternativeIntensity, MarginalIntensity } from '../carbon/regions.js';
import type { EmbodiedRecord } from '../carbon/embodied.js';
import type { Equivalent } from '../carbon/equivalents.js';

export const SCHEMA_VERSION = 1;

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';
export type ModelRole = 'teacher' | 'student' | 'control';

export interface PhaseRecord {
  name: string;
  /** The model this phase belongs to, where it belongs to one. */
  model?: string;
  startedAt: string;
  endedAt: string;
  durationS: number;
  /** Gross energy of all domains, joules. */
  energyJ: number;
  /** Bound on the error of energyJ, joules. */
  uncertaintyJ: number;
  /** energyJ minus the idle baseline's power times the duration. */
  netEnergyJ?: number;
  gCO2e?: number;
  domains: DomainEnergy[];
}

export interface ModelRecord {
  name: string;
  role: ModelRole;
  kind: string;
  params: number;
  accuracy: number;
  macroF1: number;
  /** The student this control mirrors, or the teacher a student learnt from. */
  pairedWith?: string;
  architecture: Record<string, unknown>;
  training: { epochs: number; steps: number; phase: string; finalLoss: number };
  /** Size of the saved model on disk, bytes, where known (reports show "n/a" otherwise). */
  sizeBytes?: number;
  /** 95 % confidence interval of accuracy over repeats, [lo, hi], where there are repeats. */
  accuracyCI95?: [number, number];
  /** How many repeats the figures (and their intervals) come from. */
  repeats?: number;
  /** Where the trained model was saved in the run directory (tfjs weights format), relative to it. */
  savedTo?: string;
  /** The saved model this one was loaded from instead of being trained (--teacher, or kind "saved" in the suite). */
  reusedFrom?: string;
}

export interface InferenceRecord {
  model: string;
  batchSize: number;
  phase: string;
  /** Inferences (examples) run inside the measured window. */
  inferences: number;
  latencyMsP50: number;
  latencyMsP99: number;
  /** Latency of one batch. */
  latencyMsMean: number;
  throughputPerS: number;
  energyJ: number;
  uncertaintyJ: number;
  energyJPer1000: number;
  gCO2ePer1000: number;
  /** 95 % confidence intervals over repeats, [lo, hi], where there are repeats. */
  energyJPer1000CI95?: [number, number];
  gCO2ePer1000CI95?: [number, number];
  latencyMsP50CI95?: [number, number];
  /**
   * With --repeats N > 1 the record sums N interleaved rounds (phases `<phase>:r1..rN`): inferences,
   * energyJ and uncertaintyJ are totals; the per-1000, latency and throughput fields are medians over the rounds.
   */
  repeats?: number;
  /** Per-round values, in round order (with repeats). */
  perRepeat?: {
    energyJPer1000: number[];
    gCO2ePer1000: number[];
    latencyMsP50: number[];
    latencyMsMean: number[];
    throughputPerS: number[];
  };
}

/** A statistical comparison of model a against model b, with its seeded bootstrap 95 % interval. */
export interface ComparisonRecord {
  metric: 'energyJPer1000' | 'latencyMsP50' | 'accuracy';
  /** ratio: median(a) / median(b) over rounds; difference: a - b (accuracy, paired over test examples; the bootstrap resamples whole source texts where the dataset groups examples by text). */
  kind: 'ratio' | 'difference';
  a: string;
  b: string;
  batchSize?: number;
  estimate: number;
  /** Absent when it cannot be computed (fewer than 2 rounds). */
  ci95?: [number, number];
  /** Rounds per model (ratios) or test examples (differences) behind the interval. */
  n: number;
  /** Set when the interval does not support a claim (includes 1 or 0, too wide, or missing). */
  warning?: string;
}

export interface CarbonRecord {
  intensityGCO2ePerKWh: number;
  intensitySource: string;
  /** Region code the intensity belongs to, "WORLD", or "" for an explicit value or a series. */
  region: string;
  /** True when no region was given and the world average was used. */
  fallback: boolean;
  year?: number;
  licence?: string;
  pue: number;
  pueSource: string;
  /** Measured (IT) energy of the window. */
  energyKWh: number;
  /** Operational: energyKWh x pue x intensity (location-based). Excludes embodied carbon. */
  gCO2e: number;
  /** How the intensity was chosen: explicit value > series > region > world (fallback). */
  intensityKind?: 'explicit' | 'series' | 'region' | 'world';
  /** "Electricity Maps" or "Ember" for region and world intensities. */
  dataset?: string;
  /** energyKWh x pue. */
  facilityEnergyKWh?: number;
  /** The same place in the dataset that was not chosen (or the region's figure when an explicit value or series won); comparison only. */
  alternatives?: AlternativeIntensity[];
  /** Marginal intensity of the region's country (UNFCCC 2021) and the gCO2e it would give; not part of gCO2e. */
  marginal?: MarginalIntensity & { gCO2e: number };
  /** How a --carbon-series covered the window. */
  series?: {
    file: string;
    sha256: string;
    rows: number;
    startedAt: string;
    endedAt: string;
    coveredS: number;
    uncoveredBeforeS: number;
    uncoveredAfterS: number;
    /** Share of the energy converted with a nearest value instead of its own interval's. */
    uncoveredEnergyShare: number;
    complete: boolean;
    policy: string;
  };
  /** Manufacturing emissions charged for the window's duration (included: false when none given). */
  embodied?: EmbodiedRecord;
  /** gCO2e + embodied gCO2e. */
  totalGCO2e?: number;
  /** Everyday equivalents of totalGCO2e, each with its source. */
  equivalents?: Equivalent[];
  notes?: string[];
  /** What went wrong in the conversion (a series that does not cover the run ...). Empty when nothing did. */
  problems?: string[];
}

export interface RunJson {
  schemaVersion: number;
  kind: 'suite' | 'measure';
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  error?: { message: string; phase?: string };
  tool: { name: 'kdbench'; version: string };
  command: { argv: string[]; cwd: string };
  reproduce?: string;
  suite?: { name: string; file: string; sha256: string; seed: number; quick: boolean };
  environment: Record<string, unknown>;
  meter: {
    intervalMs: number;
    /** Why each device is measured the way it is. */
    notes: string[];
    domains: DomainInfo[];
    failed: string[];
    problems: string[];
    samplesFile: string;
    sampleCount: number;
    /** CPU seconds the sampler thread used, and its share of the run's wall time on one core. */
    samplerCpuS: number;
    samplerCpuShare: number;
  };
  baseline: { startedAt: string; endedAt: string; durationS: number; powerW: Record<string, number> } | null;
  phases: PhaseRecord[];
  totals: { durationS: number; energyJ: number; uncertaintyJ: number; netEnergyJ?: number; domains: DomainEnergy[] } | null;
  carbon: CarbonRecord | null;
  dataset?: Record<string, unknown>;
  models: ModelRecord[];
  inference: InferenceRecord[];
  /** Student versus teacher (energy, latency) and distilled versus control (accuracy), with 95 % intervals. */
  comparisons?: ComparisonRecord[];
  files: string[];
}
