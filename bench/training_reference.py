#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- training` (bench/training.ts).

The same architecture as kdbench's TransformerClassifier (pre-norm encoder: token + learned position
embeddings, padding-masked multi-head attention, tanh GELU feed-forward, masked mean pooling, linear
head), the same optimizer (Adam, epsilon 1e-7 as in TensorFlow.js) and the same batch. Driven over
stdin/stdout, one JSON object per line, so that the benchmark can interleave its own steps with these:

  {"cmd": "init", "config": {...}, "ids": [[...]], "labels": [...], "lr": 0.002}
  {"cmd": "train", "min": 3, "max": 10, "ms": 1500}           -> {"ms": [...]}  one training step each
  {"cmd": "infer", "batch": 1, "min": 10, "max": 100, "ms": 500} -> {"ms": [...]}  one forward pass (no grad) each
  (at most max samples; no more once ms milliseconds have passed after min samples)
  {"cmd": "profile"}                       -> {"ops": [[name, ms, calls], ...]}  one step, torch.profiler
  {"cmd": "quit"}

argv: --threads N (torch.set_num_threads). Prints {"ready": true, "torch": ..., "blas": ...} first.
Needs Debian's python3-torch (with libopenblas0-pthread for a fast BLAS).
"""
import json
import math
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the benchmark reports this and times kdbench alone
    print(json.dumps({"ready": False, "error": f"PyTorch is not installed: {e}"}), flush=True)
    sys.exit(0)


def blas_libraries():
    """The BLAS / LAPACK shared libraries this process has loaded (which one Debian's alternatives picked)."""
    libs = set()
    try:
        with open("/proc/self/maps", encoding="utf8") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = path.rsplit("/", 1)[-1]
                if any(k in name for k in ("blas", "lapack", "mkl")):
                    libs.add(path)
    except OSError:
        pass
    return sorted(libs)


class Transformer(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        g = torch.Generator().manual_seed(1)
        d, f = c["dModel"], c["ffDim"]
        self.c = c

        def normal(*shape, std):
            return torch.nn.Parameter(torch.randn(*shape, generator=g) * std)

        def dense(i, o):
            return torch.nn.Parameter((torch.rand(i, o, generator=g) * 2 - 1) * math.sqrt(6 / (i + o)))

        def zeros(*shape):
            return torch.nn.Parameter(torch.zeros(*shape))

        def ones(*shape):
            return torch.nn.Parameter(torch.ones(*shape))

        self.tok = normal(c["vocabSize"], d, std=0.05)
        self.pos = normal(c["seqLen"], d, std=0.02)
        self.blocks = torch.nn.ModuleList()
        for _ in range(c["layers"]):
            b = torch.nn.ParameterDict(
                {
                    "ln1g": ones(d), "ln1b": zeros(d),
                    "wq": dense(d, d), "wk": dense(d, d), "wv": dense(d, d), "wo": dense(d, d),
                    "bq": zeros(d), "bk": zeros(d), "bv": zeros(d), "bo": zeros(d),
                    "ln2g": ones(d), "ln2b": zeros(d),
                    "w1": dense(d, f), "b1": zeros(f), "w2": dense(f, d), "b2": zeros(d),
                }
            )
            self.blocks.append(b)
        self.lnfg, self.lnfb = ones(d), zeros(d)
        self.wout, self.bout = dense(d, c["classes"]), zeros(c["classes"])

    @staticmethod
    def layer_norm(x, g, b):
        # tf.moments: biased variance; epsilon 1e-5 as in kdbench's layerNorm.
        return F.layer_norm(x, x.shape[-1:], g, b, 1e-5)

    def forward(self, ids):
        B, L = ids.shape
        d, h = self.c["dModel"], self.c["heads"]
        dh = d // h
        mask = (ids != 0).float()
        bias = ((mask - 1) * 1e9)[:, None, None, :]
        x = self.tok[ids] + self.pos[:L]
        for b in self.blocks:
            y = self.layer_norm(x, b["ln1g"], b["ln1b"])

            def split(t):
                return t.reshape(B, L, h, dh).transpose(1, 2)

            q, k, v = split(y @ b["wq"] + b["bq"]), split(y @ b["wk"] + b["bk"]), split(y @ b["wv"] + b["bv"])
            scores = (q @ k.transpose(-1, -2)) * (1 / math.sqrt(dh)) + bias
            ctx = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(B, L, d)
            x = x + (ctx @ b["wo"] + b["bo"])
            y = self.layer_norm(x, b["ln2g"], b["ln2b"])
            x = x + (F.gelu(y @ b["w1"] + b["b1"], approximate="tanh") @ b["w2"] + b["b2"])
        y = self.layer_norm(x, self.lnfg, self.lnfb)
        pooled = (y * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return pooled @ self.wout + self.bout


def main():
    threads = 1
    if "--threads" in sys.argv:
        threads = int(sys.argv[sys.argv.index("--threads") + 1])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_libraries()}), flush=True)
    model = opt = ids = labels = None

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids), labels)
        loss.backward()
        opt.step()
        return loss.item()

    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "init":
            model = Transformer(msg["config"])
            opt = torch.optim.Adam(model.parameters(), lr=msg["lr"], eps=1e-7)
            ids = torch.tensor(msg["ids"], dtype=torch.long)
            labels = torch.tensor(msg["labels"], dtype=torch.long)
            params = sum(p.numel() for p in model.parameters())
            step()  # warm-up; also loads the BLAS
            print(json.dumps({"params": params, "blas": blas_libraries()}), flush=True)
        elif cmd in ("train", "infer"):
            x = ids[: msg.get("batch", len(ids))]
            ms = []
            start = time.perf_counter()
            with torch.set_grad_enabled(cmd == "train"):
                while len(ms) < msg["max"] and (len(ms) < msg["min"] or (time.perf_counter() - start) * 1000 < msg["ms"]):
                    t0 = time.perf_counter()
                    step() if cmd == "train" else model(x)
                    ms.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"ms": ms}), flush=True)
        elif cmd == "profile":
            from torch.profiler import ProfilerActivity, profile

            with profile(activities=[ProfilerActivity.CPU]) as prof:
                step()
            ops = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
            print(json.dumps({"ops": [[e.key, e.self_cpu_time_total / 1000, e.count] for e in ops[:10]]}), flush=True)
        elif cmd == "quit":
            break


if __name__ == "__main__":
    main()
