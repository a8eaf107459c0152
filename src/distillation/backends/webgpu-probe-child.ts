/**
 * Run as its own process by probeWebGpu (webgpu.ts): loads Dawn, asks for an adapter and prints one
 * JSON line, {"adapter": {...}} or {"adapter": null}, then exits. Dawn writes its own reasons (a
 * missing Vulkan driver, a refused software adapter) to stderr, which the parent reads; a crash or a
 * hang in the driver stays in this process.
 *
 *   node webgpu-probe-child.js '["backend=null"]'
 */
import { createGpu, requestAdapter } from './dawn.js';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '[]') as string[];
  const gpu = await createGpu(options);
  const adapter = await requestAdapter(gpu);
  process.stdout.write(JSON.stringify({ adapter }) + '\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stdout.write(JSON.stringify({ error: (e as Error)?.message ?? String(e) }) + '\n');
    process.exit(0);
  },
);
