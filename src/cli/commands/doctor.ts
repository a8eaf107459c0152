/** `kdbench doctor`: which energy meters work here, which do not and why, and how to enable them. */
import { parseCommandArgs } from '../args.js';
import { formatDoctor, runDoctor } from '../../measurement/doctor.js';

export const usage = `Usage: kdbench doctor [--json]

Checks every energy meter kdbench knows on this machine: NVML GPU energy counters, nvidia-smi power
sampling, RAPL CPU/DRAM counters (powercap), and the estimates used where nothing can be read.
Says which work, which do not and why, how to enable them, and what a run would use.

Environment: KDBENCH_NVML_LIB (default libnvidia-ml.so.1), KDBENCH_NVIDIA_SMI (default nvidia-smi
on PATH), KDBENCH_POWERCAP_ROOT (default /sys/class/powercap).

Options:
  --json     print the report as JSON
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } }, usage, false);
  const report = runDoctor();
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctor(report));
  return 0;
}
