#!/usr/bin/env python3
"""A PyTorch model measured by kdbench: one script for every step of a command model.

kdbench runs this script once per step (suite.yaml: kind "command") and tells it what to do in
environment variables; the script answers with protocol lines on stdout:

  ::kdbench phase NAME::        starts sub-phase NAME of the step (in "infer": the timed window)
  ::kdbench result {...}::      what the step reports (kdbench's suites/command-result.schema.json)

Steps (KDBENCH_STEP):
  train     train the teacher on the training split; save it in KDBENCH_MODEL_DIR
  distil    train the student with the Hinton loss against the teacher (KDBENCH_TEACHER_DIR), at the
            suite's temperature and weights (KDBENCH_TEMPERATURE, KDBENCH_SOFT_WEIGHT, KDBENCH_HARD_WEIGHT)
  control   train the same student without the teacher (same seed, same batches)
  evaluate  classify the test split; report every prediction, so that kdbench computes accuracy and
            macro-F1 itself and compares the student with its control example by example
  infer     classify batches of KDBENCH_BATCH_SIZE test texts for KDBENCH_TIME_MS; report latencies
  compress  make a compressed model from the model in KDBENCH_BASE_DIR, as KDBENCH_COMPRESSION (JSON) says:
            quantization (dynamic-int8: torch quantize_dynamic on the Linear layers, fbgemm/qnnpack; fp16:
            half-precision weights on disk), pruning (magnitude, unstructured: the smallest weights of each matrix set to 0, or
            structured by feed-forward neurons, which makes the layers smaller; optional fine-tuning with the
            pruned weights held at 0), or a chain of them; saved in KDBENCH_MODEL_DIR

The data is kdbench's own (KDBENCH_DATA, written by `kdbench data export`): the same examples and split
as the TensorFlow.js suites. Only PyTorch is needed (Debian: apt-get install python3-torch); it runs on
CUDA when a GPU is there (--device auto), else on the CPU. Copy it and put your own model in `build`.
"""
import argparse
import json
import os
import re
import sys
import time
import zlib
from collections import Counter

import torch
from torch import nn
import torch.nn.functional as F

TOKEN = re.compile(r"[a-z][a-z0-9']*|[0-9]+|[$!?%]")  # the word tokenizer of kdbench's own models
PAD, UNK = 0, 1


def protocol(kind, value):
    print(f"::kdbench {kind} {value}::", flush=True)


def result(**fields):
    protocol("result", json.dumps(fields))


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        sys.exit(f"{name} is not set: run this script through kdbench (see examples/pytorch-distil/README.md)")
    return value


def read_data():
    rows = [json.loads(line) for line in open(env("KDBENCH_DATA"), encoding="utf-8")]
    return [r for r in rows if r["split"] == "train"], [r for r in rows if r["split"] == "test"]


def tokenize(text):
    return TOKEN.findall(text.lower())


def build_vocab(train, size):
    counts = Counter(w for r in train for w in tokenize(r["text"]))
    words = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: size - 2]]
    return {w: i + 2 for i, w in enumerate(words)}


def encode(rows, vocab, max_len):
    ids = torch.zeros(len(rows), max_len, dtype=torch.long)
    for i, r in enumerate(rows):
        toks = [vocab.get(w, UNK) for w in tokenize(r["text"])[:max_len]] or [UNK]  # an empty text is one unknown word
        ids[i, : len(toks)] = torch.tensor(toks)
    return ids


class Encoder(nn.Module):
    """A small BERT-style encoder: token and position embeddings, transformer layers, mean pooling."""

    def __init__(self, vocab_size, max_len, width, heads, layers, ff, classes):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, width, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, width)
        layer = nn.TransformerEncoderLayer(width, heads, ff, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, classes)

    def forward(self, ids):
        pad = ids == PAD
        pos = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.encoder(self.tok(ids) + self.pos(pos), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).to(x.dtype)
        x = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.head(self.norm(x))


def device_of(choice):
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(choice)


def save(model_dir, model, config, vocab, storage=None, params=None):
    """storage: None (fp32), "dynamic-int8" (a quantize_dynamic model's state) or "fp16" (weights stored in half precision)."""
    os.makedirs(model_dir, exist_ok=True)
    state = model.state_dict()
    if storage == "fp16":
        state = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
    torch.save(state, os.path.join(model_dir, "model.pt"))
    with open(os.path.join(model_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"config": config, "vocab": vocab, "storage": storage, "params": params if params is not None else params_of(model)}, f)


def quantize_dynamic(model):
    """int8 weights for every nn.Linear, activations quantized on the fly (CPU only: fbgemm or oneDNN on x86, qnnpack on ARM)."""
    engines = torch.backends.quantized.supported_engines
    # Debian's torch 1.13 has no fbgemm: oneDNN is its x86 int8 engine (qnnpack also runs on x86, slower).
    engine = next((e for e in ("fbgemm", "x86", "onednn", "qnnpack") if e in engines), None)
    if engine is None:
        sys.exit(f"this PyTorch has no int8 engine (torch.backends.quantized.supported_engines = {engines})")
    torch.backends.quantized.engine = engine
    q = torch.ao.quantization.quantize_dynamic(model.cpu().eval(), {nn.Linear}, dtype=torch.qint8)
    # The fused fast path of nn.TransformerEncoderLayer reads fp32 weight tensors; a quantized model runs the
    # unfused path (attention projections inside nn.MultiheadAttention stay fp32 either way).
    for layer in q.encoder.layers:
        layer.activation_relu_or_gelu = False
    return q, engine


def load(model_dir, device):
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        saved = json.load(f)
    model = Encoder(**saved["config"])
    state = torch.load(os.path.join(model_dir, "model.pt"), map_location="cpu")
    storage = saved.get("storage")
    if storage == "dynamic-int8":
        model, _ = quantize_dynamic(model)
        device = torch.device("cpu")  # PyTorch's int8 kernels run on the CPU
    elif storage == "fp16":
        state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}  # computed in fp32
    model.load_state_dict(state)
    model.kdbench_params = saved.get("params")
    return model.to(device).eval(), saved["config"], saved["vocab"]


def params_of(model):
    known = getattr(model, "kdbench_params", None)
    return known if known is not None else sum(p.numel() for p in model.parameters())


def size_of(model_dir):
    return sum(os.path.getsize(os.path.join(model_dir, f)) for f in os.listdir(model_dir))


def hinton_loss(student_logits, teacher_logits, labels, t, soft, hard):
    """soft x T^2 x CE(teacher soft targets, student soft predictions) + hard x CE(labels, student)."""
    soft_targets = F.softmax(teacher_logits / t, dim=-1)
    soft_ce = -(soft_targets * F.log_softmax(student_logits / t, dim=-1)).sum(-1).mean()
    return soft * t * t * soft_ce + hard * F.cross_entropy(student_logits, labels)


def train(args, step, device):
    train_rows, _ = read_data()
    classes = json.loads(env("KDBENCH_CLASSES"))
    seed = int(env("KDBENCH_SEED"))
    quick = env("KDBENCH_QUICK", "0") == "1"
    epochs = 1 if quick else args.epochs
    max_len = min(args.max_len, 32) if quick else args.max_len
    torch.manual_seed(seed)  # the student and its control get the same seed: same start, same batches
    vocab = build_vocab(train_rows, args.vocab)
    config = dict(vocab_size=args.vocab, max_len=max_len, width=args.width, heads=args.heads, layers=args.layers, ff=args.ff, classes=len(classes))
    model = Encoder(**config).to(device)
    ids = encode(train_rows, vocab, max_len)
    labels = torch.tensor([r["labelIndex"] for r in train_rows])
    teacher = None
    if step == "distil":
        teacher, tconfig, tvocab = load(env("KDBENCH_TEACHER_DIR"), device)
        teacher_ids = encode(train_rows, tvocab, tconfig["max_len"])
        t = float(env("KDBENCH_TEMPERATURE"))
        soft, hard = float(env("KDBENCH_SOFT_WEIGHT")), float(env("KDBENCH_HARD_WEIGHT"))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(seed)
    steps, loss = 0, float("nan")
    for epoch in range(1, epochs + 1):
        protocol("phase", f"epoch-{epoch}")
        model.train()
        order = torch.randperm(len(train_rows), generator=gen)
        for s in range(0, len(order), args.batch_size):
            idx = order[s : s + args.batch_size]
            logits = model(ids[idx].to(device))
            y = labels[idx].to(device)
            if teacher is not None:
                with torch.no_grad():
                    teacher_logits = teacher(teacher_ids[idx].to(device))
                l = hinton_loss(logits, teacher_logits, y, t, soft, hard)
            else:
                l = F.cross_entropy(logits, y)
            opt.zero_grad()
            l.backward()
            opt.step()
            steps += 1
            loss = l.item()
        print(f"{env('KDBENCH_MODEL')}: epoch {epoch}/{epochs}, loss {loss:.4f}")
    model_dir = env("KDBENCH_MODEL_DIR")
    save(model_dir, model.cpu(), config, vocab)
    result(
        params=params_of(model),
        epochs=epochs,
        steps=steps,
        finalLoss=loss,
        sizeBytes=size_of(model_dir),
        device=str(device),
        framework=f"torch {torch.__version__}",
        architecture=dict(kind="transformer-encoder", **{k: v for k, v in config.items() if k != "classes"}),
    )


def prunable(model):
    """(module, parameter name) of every matrix pruning applies to: the Linear layers and the attention projections."""
    out = [(m, "weight") for m in model.modules() if isinstance(m, nn.Linear)]
    out += [(m, "in_proj_weight") for m in model.modules() if isinstance(m, nn.MultiheadAttention)]
    return out


def prune_unstructured(model, sparsity):
    """Magnitude pruning per matrix: the smallest |w| of each set to 0; returns (weight, mask) pairs to hold them at 0.
    (Masks applied by hand, not torch.nn.utils.prune: nn.MultiheadAttention reads out_proj.weight without calling
    out_proj, so prune's forward hooks would not run there.)"""
    masks = []
    with torch.no_grad():
        for m, name in prunable(model):
            w = getattr(m, name)
            k = round(w.numel() * sparsity)
            if k == 0:
                continue
            threshold = w.abs().flatten().kthvalue(k).values
            mask = (w.abs() > threshold).to(w.dtype)
            w.mul_(mask)
            masks.append((w, mask))
    return masks


def prune_neurons(model, config, sparsity):
    """Removes the feed-forward neurons with the smallest L2 norm (rows of linear1, columns of linear2): a smaller model."""
    keep = max(1, config["ff"] - round(config["ff"] * sparsity))
    small_config = dict(config, ff=keep)
    small = Encoder(**small_config)
    state = model.state_dict()
    for i, layer in enumerate(model.encoder.layers):
        kept = layer.linear1.weight.detach().norm(dim=1).argsort(descending=True)[:keep].sort().values
        p = f"encoder.layers.{i}."
        state[p + "linear1.weight"] = state[p + "linear1.weight"][kept]
        state[p + "linear1.bias"] = state[p + "linear1.bias"][kept]
        state[p + "linear2.weight"] = state[p + "linear2.weight"][:, kept]
    small.load_state_dict(state)
    return small, small_config


def fine_tune(model, ids, labels, epochs, args, device, seed, masks=()):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    steps, loss = 0, float("nan")
    model.to(device)
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(labels), generator=gen)
        for s in range(0, len(order), args.batch_size):
            idx = order[s : s + args.batch_size]
            l = F.cross_entropy(model(ids[idx].to(device)), labels[idx].to(device))
            opt.zero_grad()
            l.backward()
            opt.step()
            with torch.no_grad():
                for w, mask in masks:
                    w.mul_(mask)  # pruned weights stay 0
            steps += 1
            loss = l.item()
        print(f"{env('KDBENCH_MODEL')}: fine-tuning epoch {epoch}/{epochs}, loss {loss:.4f}")
    return steps, loss


def compress(args, device):
    """Makes this model from KDBENCH_BASE_DIR as KDBENCH_COMPRESSION says (quantization, pruning, chain)."""
    spec = json.loads(env("KDBENCH_COMPRESSION"))
    steps_spec = spec["chain"] if spec["method"] == "chain" else [spec]
    quick = env("KDBENCH_QUICK", "0") == "1"
    seed = int(env("KDBENCH_SEED"))
    torch.manual_seed(seed)
    model, config, vocab = load(env("KDBENCH_BASE_DIR"), device)
    base_params = params_of(model)
    model.kdbench_params = None
    info = {"base": env("KDBENCH_BASE"), "steps": []}
    storage = None
    steps, loss, epochs = 0, float("nan"), 0
    for st in steps_spec:
        if storage is not None:
            sys.exit("a quantized model cannot be pruned further here: put quantization last in the chain")
        if st["method"] == "pruning":
            p = st["pruning"]
            structure = p.get("structure", "unstructured")
            protocol("phase", "pruning")
            if structure == "heads":
                sys.exit("pruning by heads is not implemented in this example: nn.MultiheadAttention cannot drop heads (use structure: neurons)")
            if structure == "neurons":
                model, config = prune_neurons(model, config, p["sparsity"])
                masks = []
            else:
                masks = prune_unstructured(model, p["sparsity"])
            ft = 1 if quick and p.get("fineTuneEpochs", 0) > 0 else p.get("fineTuneEpochs", 0)
            if ft > 0:
                protocol("phase", "fine-tuning")
                train_rows, _ = read_data()
                ids = encode(train_rows, vocab, config["max_len"])
                labels = torch.tensor([r["labelIndex"] for r in train_rows])
                s_, loss = fine_tune(model, ids, labels, ft, args, device, seed, masks)
                steps += s_
                epochs += ft
            model = model.cpu().eval()
            zeros = sum(int((getattr(m, n) == 0).sum()) for m, n in prunable(model))
            total = sum(getattr(m, n).numel() for m, n in prunable(model))
            info["steps"].append({"method": "pruning", "structure": structure, "sparsityOfPrunedMatrices": zeros / total, "fineTuneEpochs": ft})
        elif st["method"] == "quantization":
            mode = st["quantization"]["mode"]
            if mode == "static-int8":
                sys.exit("static-int8 is not implemented in this example: PyTorch static quantization needs QuantStub/DeQuantStub in the model and a calibration pass (use dynamic-int8)")
            protocol("phase", "quantization")
            if mode == "dynamic-int8":
                model, engine = quantize_dynamic(model)
                info["engine"] = engine
            storage = mode
            info["steps"].append({"method": "quantization", "mode": mode})
        else:
            sys.exit(f"unknown compression step {st['method']!r}")
    params = base_params if storage else sum(p.numel() for p in model.parameters())
    model_dir = env("KDBENCH_MODEL_DIR")
    save(model_dir, model.cpu(), config, vocab, storage=storage, params=params)
    with open(os.path.join(model_dir, "model.pt"), "rb") as f:
        info["deflatedBytes"] = len(zlib.compress(f.read(), 6))  # what a zip of the weights takes: zeros compress
    result(
        params=params,
        epochs=epochs,
        steps=steps,
        **({"finalLoss": loss} if steps > 0 else {}),  # JSON has no NaN: no fine-tuning, no loss
        sizeBytes=size_of(model_dir),
        device="cpu" if storage == "dynamic-int8" else str(device),
        framework=f"torch {torch.__version__}",
        architecture=dict(kind="transformer-encoder", **{k: v for k, v in config.items() if k != "classes"}),
        info=info,
    )


def evaluate(device):
    _, test_rows = read_data()
    model, config, vocab = load(env("KDBENCH_MODEL_DIR"), device)
    device = next(model.parameters()).device
    ids = encode(test_rows, vocab, config["max_len"])
    preds = []
    with torch.no_grad():
        for s in range(0, len(test_rows), 256):
            preds += model(ids[s : s + 256].to(device)).argmax(-1).tolist()
    result(params=params_of(model), predictions=preds, device=str(device), framework=f"torch {torch.__version__}")


def infer(device):
    _, test_rows = read_data()
    model, config, vocab = load(env("KDBENCH_MODEL_DIR"), device)
    device = next(model.parameters()).device
    b = int(env("KDBENCH_BATCH_SIZE"))
    budget = int(env("KDBENCH_TIME_MS")) / 1000
    ids = encode(test_rows, vocab, config["max_len"])
    batches = [ids[[(i * b + j) % len(test_rows) for j in range(b)]].to(device) for i in range(16)]
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    protocol("phase", "timed")  # from here on, the energy is the inference's (loading the model is not)
    latencies = []
    start = time.perf_counter()
    with torch.no_grad():
        while time.perf_counter() - start < budget or len(latencies) < 5:
            t0 = time.perf_counter()
            model(batches[len(latencies) % len(batches)]).cpu()
            sync()
            latencies.append((time.perf_counter() - t0) * 1000)
    ordered = sorted(latencies)
    pct = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    mean = sum(latencies) / len(latencies)
    result(
        inferences=len(latencies) * b,
        batchSize=b,
        latencyMsP50=pct(0.5),
        latencyMsP99=pct(0.99),
        latencyMsMean=mean,
        throughputPerS=b * 1000 / mean,
        device=str(device),
    )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ff", type=int, default=128)
    p.add_argument("--vocab", type=int, default=3000, help="words kept from the training split, <pad> and <unk> included")
    p.add_argument("--max-len", type=int, default=64, help="tokens per text (32 with KDBENCH_QUICK=1)")
    p.add_argument("--epochs", type=int, default=3, help="(1 with KDBENCH_QUICK=1)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--device", default="auto", help="auto (cuda when available), cpu, cuda, cuda:1 ...")
    args = p.parse_args()
    device = device_of(args.device)
    step = env("KDBENCH_STEP")
    if step in ("train", "distil", "control"):
        train(args, step, device)
    elif step == "evaluate":
        evaluate(device)
    elif step == "infer":
        infer(device)
    elif step == "compress":
        compress(args, device)
    else:
        sys.exit(f"unknown KDBENCH_STEP {step!r}")


if __name__ == "__main__":
    main()
