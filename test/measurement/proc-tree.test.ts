import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { treeCpuSeconds } from '../../src/measurement/proc-tree.js';
import { readStat } from '../../src/measurement/proc.js';

test('process tree: CPU time of a running grandchild is counted', async () => {
  // The child starts a grandchild that burns CPU for 2 s, then sleeps itself.
  const code = `const {spawn}=require('child_process');spawn(process.execPath,['-e','const t=Date.now();while(Date.now()-t<2000){}'],{stdio:'inherit'});setTimeout(()=>{},3000);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  try {
    let tree = 0;
    let own = 0;
    // Poll until the grandchild has burnt 0.2 s (this machine may be shared: allow up to 2.8 s).
    for (let i = 0; i < 28 && tree - own <= 0.2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = readStat(`/proc/${child.pid}/stat`)!;
      own = s.selfS + s.childrenS;
      tree = treeCpuSeconds(child.pid!)!;
    }
    assert.ok(tree - own > 0.2, `tree ${tree} s, child alone ${own} s`);
    assert.ok(own < 0.5, 'the child itself stays mostly idle');
  } finally {
    child.kill();
  }
});
