/**
 * Constants behind estimated energy, each with its source. Used only where nothing can be measured,
 * and every figure that uses them is labelled "estimated".
 */

export interface CpuPower {
  wattsPerCore: number;
  source: string;
}

/** Thermal design power per logical CPU for known models: TDP / threads, from the vendors' spec sheets. */
const CPU_TDP: { match: RegExp; tdpW: number; threads: number; source: string }[] = [
  { match: /EPYC 7763/i, tdpW: 280, threads: 128, source: 'AMD EPYC 7763 spec sheet: 280 W TDP, 128 threads' },
  { match: /EPYC 9654/i, tdpW: 360, threads: 192, source: 'AMD EPYC 9654 spec sheet: 360 W TDP, 192 threads' },
  { match: /Xeon\(R\) Platinum 8480/i, tdpW: 350, threads: 112, source: 'Intel Xeon Platinum 8480+ spec sheet: 350 W TDP, 112 threads' },
  { match: /Xeon\(R\) Platinum 8380/i, tdpW: 270, threads: 80, source: 'Intel Xeon Platinum 8380 spec sheet: 270 W TDP, 80 threads' },
  { match: /Xeon\(R\) Gold 6248/i, tdpW: 150, threads: 40, source: 'Intel Xeon Gold 6248 spec sheet: 150 W TDP, 40 threads' },
  { match: /i9-13900K\b/i, tdpW: 125, threads: 32, source: 'Intel Core i9-13900K spec sheet: 125 W base power, 32 threads' },
  { match: /Apple M2/i, tdpW: 20, threads: 8, source: 'Apple M2: ~20 W package power under load (reported), 8 cores' },
];

/** CodeCarbon's fallback for CPUs missing from its TDP table: 4 W per thread. */
export const DEFAULT_WATTS_PER_CORE = 4;

export function cpuPowerPerCore(model: string): CpuPower {
  for (const c of CPU_TDP) {
    if (c.match.test(model)) return { wattsPerCore: c.tdpW / c.threads, source: `${c.source}, TDP/threads` };
  }
  return {
    wattsPerCore: DEFAULT_WATTS_PER_CORE,
    source: `CPU model not in kdbench's TDP table; default ${DEFAULT_WATTS_PER_CORE} W per busy logical CPU, CodeCarbon's fallback for unknown CPUs`,
  };
}

/** DRAM power per GB of memory in use: Green Algorithms (Lannelongue et al. 2021), 0.3725 W/GB. */
export const DRAM_WATTS_PER_GB = 0.3725;
export const DRAM_WATTS_PER_GB_SOURCE = 'Green Algorithms (Lannelongue et al. 2021), 0.3725 W per GB';
