/**
 * `kdbench doctor`: which energy meters work here, which do not and why, and how to enable them; and
 * whether tfjs can put work on a GPU through WebGPU. The meters (measurement/) and the WebGPU probe
 * (distillation/) sit side by side in the layers, so they meet here.
 */
import { parseCommandArgs } from '../args.js';
import { formatDoctor, runDoctor, type MeterCheck } from '../../measurement/doctor.js';
import { probeWebGpu, type WebGpuProbe } from '../../distillation/backends/webgpu.js';

export const usage = `Usage: kdbench doctor [--json]

Checks every energy meter kdbench knows on this machine: NVML GPU energy counters, nvidia-smi power
sampling, RAPL CPU/DRAM counters (powercap), and the estimates used where nothing can be read.
Says which work, which do not and why, how to enable them, and what a run would use. Also says
whether TensorFlow.js finds a GPU through WebGPU (the webgpu backend), and if not, why and how to fix it.

Environment: KDBENCH_NVML_LIB (default libnvidia-ml.so.1), KDBENCH_NVIDIA_SMI (default nvidia-smi
on PATH), KDBENCH_POWERCAP_ROOT (default /sys/class/powercap), KDBENCH_VULKAN_LIB (the Vulkan loader
looked for before Dawn starts; default libvulkan.so.1).

Options:
  --json     print the report as JSON
`;

/** Breaks a long line at spaces so that no piece is longer than `width`. */
function wrap(text: string, width = 96): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join('\n');
}

/** The doctor's WebGPU line: the adapter found, or why there is none and how to get one. */
export function webgpuCheck(p: WebGpuProbe): MeterCheck {
  const meter = 'WebGPU adapter (tfjs backend webgpu: training and inference on the GPU through Dawn and Vulkan)';
  if (!p.ok) return { meter, status: 'unavailable', detail: [p.reason], fix: wrap(p.fix) };
  const a = p.adapter;
  const named = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(', ') || 'an adapter without vendor information';
  return {
    meter,
    status: 'ok',
    detail: [
      named,
      ...(p.dawnOptions.length
        ? [
            `Dawn options (KDBENCH_WEBGPU_DAWN): ${p.dawnOptions.join(' ')}${p.dawnOptions.includes('backend=null') ? " (Dawn's null adapter: it runs no GPU work)" : ''}`,
          ]
        : []),
      'kdbench run picks webgpu after tensorflow-gpu; --backend webgpu forces it',
    ],
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } }, usage, false);
  const report = runDoctor();
  const webgpu = await probeWebGpu();
  // JSON: the meters' checks as they are, the WebGPU probe beside them; text: the WebGPU line after the meters.
  process.stdout.write(
    values.json
      ? JSON.stringify({ ...report, webgpu }, null, 2) + '\n'
      : formatDoctor({ ...report, checks: [...report.checks, webgpuCheck(webgpu)] }),
  );
  return 0;
}
