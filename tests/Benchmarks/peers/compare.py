#!/usr/bin/python3
"""The peers of Pure's benchmarks: the same workloads in PyTorch, scikit-learn and OpenBLAS (through numpy).

Run with Debian's Python (/usr/bin/python3) after
    apt-get install -y python3-torch python3-sklearn python3-numpy libopenblas0-pthread
(without libopenblas0-pthread, numpy and torch fall back to the reference BLAS). OPENBLAS_CORETYPE is removed
from the environment (the script re-executes itself without it) so that OpenBLAS picks its kernels for this
processor, as it does for a user.

Sub-commands (each prints one JSON object per line, in the schema of `Benchmarks mlp` / `Benchmarks gemm`):
    gemm     OpenBLAS GEMM (numpy.matmul into preallocated results) on the shapes and forms of `Benchmarks gemm`.
    torch    784-256-128-10 on Fashion-MNIST in PyTorch; runs with 2 threads and with 1 thread (each in a fresh
             process) and prints the faster, with both timings in "threads_tried".
    sklearn  the same network in scikit-learn's MLPClassifier (solver='sgd'), one partial_fit per epoch.
    all      the standard set used by run-all.sh: gemm, torch and sklearn at the given batches, then the ratios.
    ratios   the table of Pure / peer ratios from JSON lines files (--pure FILE... --peers FILE...).

Python is only used for this comparison; the library and its tests do not need it.
"""

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import time

if "OPENBLAS_CORETYPE" in os.environ:
    env = dict(os.environ)
    del env["OPENBLAS_CORETYPE"]
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np  # noqa: E402

LAYERS = [784, 256, 128, 10]
DEFAULT_LEARNING_RATE = 0.05  # the default of `Benchmarks mlp`

# (form, m, k, n, role): the products of one training step at batch 128, and a square 1024 product.
SHAPES = [
    ("NN", 256, 784, 128, "Z1 = W1 X"),
    ("NN", 128, 256, 128, "Z2 = W2 A1"),
    ("NN", 10, 128, 128, "Z3 = W3 A2"),
    ("NT", 256, 128, 784, "dW1 = D1 X^T"),
    ("NT", 128, 128, 256, "dW2 = D2 A1^T"),
    ("NT", 10, 128, 128, "dW3 = D3 A2^T"),
    ("TN", 256, 128, 128, "W2^T D2"),
    ("TN", 128, 10, 128, "W3^T D3"),
    ("NN", 1024, 1024, 1024, "square"),
]

DTYPES = {"float32": np.float32, "float64": np.float64}


def emit(fields):
    print(json.dumps(fields), flush=True)


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------------------------------------------
# Data: gzip IDX files, checked like the C# reader (magic number, sizes against the length).


def read_idx(path, dimensions):
    if not os.path.isfile(path):
        fail(f"missing data file {path}")
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail(f"{path} is not a gzip file: {e}")
    header = 4 + 4 * dimensions
    if len(data) < header:
        fail(f"{path}: {len(data)} bytes, shorter than an IDX header of {dimensions} dimensions")
    magic = int.from_bytes(data[0:4], "big")
    if magic != (0x08 << 8) | dimensions:
        fail(f"{path}: magic number 0x{magic:08X}, expected 0x{(0x08 << 8) | dimensions:08X}")
    sizes = [int.from_bytes(data[4 + 4 * d: 8 + 4 * d], "big") for d in range(dimensions)]
    if header + int(np.prod(sizes)) != len(data):
        fail(f"{path}: the header declares {sizes}, the file holds {len(data) - header} bytes of data")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(sizes)


def load(directory, training, dtype):
    prefix = "train" if training else "t10k"
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"), 3)
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"), 1)
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28) or labels.max() > 9:
        fail(f"{directory}: inconsistent {prefix} images {images.shape} and labels {labels.shape}")
    x = images.reshape(images.shape[0], 784).astype(dtype) / dtype(255)
    return x, labels.astype(np.int64)


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def parameter_bytes(dtype):
    count = sum(LAYERS[i] * LAYERS[i + 1] + LAYERS[i + 1] for i in range(len(LAYERS) - 1))
    return count * np.dtype(DTYPES[dtype]).itemsize


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                return f"{info.get('internal_api')} {info.get('version')} {info.get('architecture')}", info.get("num_threads")
    except ImportError:
        pass
    return "unknown BLAS", None


# ---------------------------------------------------------------------------------------------------------------
# GEMM: numpy.matmul into preallocated arrays, median GFLOP/s over timed runs, each run long enough to time.


def gemm(args):
    kernel, threads = blas_info()
    rng = np.random.default_rng(1)
    for dtype_name in ("float32", "float64"):
        if args.dtype not in ("both", dtype_name):
            continue
        dtype = DTYPES[dtype_name]
        for form, m, k, n, role in SHAPES:
            a = rng.uniform(-1, 1, (k, m) if form == "TN" else (m, k)).astype(dtype)
            b = rng.uniform(-1, 1, (n, k) if form == "NT" else (k, n)).astype(dtype)
            c = np.empty((m, n), dtype=dtype)
            left = a.T if form == "TN" else a
            right = b.T if form == "NT" else b

            def product():
                np.matmul(left, right, out=c)

            flops = 2.0 * m * n * k
            start = time.perf_counter()
            warm = 0
            while warm < 5 or time.perf_counter() - start < 0.2:
                product()
                warm += 1
            repetitions = max(1, int(args.run_ms / 1000 / ((time.perf_counter() - start) / warm)))
            rates = []
            for _ in range(args.runs):
                t = time.perf_counter()
                for _ in range(repetitions):
                    product()
                rates.append(flops * repetitions / (time.perf_counter() - t) / 1e9)
            emit({"mode": "gemm", "library": "openblas", "dtype": dtype_name, "form": form, "m": m, "k": k, "n": n,
                  "role": role, "gflops": round(statistics.median(rates), 2), "mathnet_gflops": None,
                  "runs": args.runs, "threads": threads, "kernel": kernel})


# ---------------------------------------------------------------------------------------------------------------
# PyTorch: 784-256-128-10, ReLU, softmax + cross-entropy (fused in F.cross_entropy), SGD with momentum.


def torch_worker(args):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dtype = DTYPES[args.dtype]
    torch_dtype = torch.float32 if args.dtype == "float32" else torch.float64
    x_all, y_all = load(args.data, True, dtype)
    x_test, y_test = load(args.data, False, dtype)
    x_all, y_all = torch.from_numpy(x_all), torch.from_numpy(y_all)
    x_test, y_test = torch.from_numpy(x_test), torch.from_numpy(y_test)

    # The same initialisation as Pure's Network.Create: He uniform for ReLU layers, Glorot uniform for the softmax
    # layer, biases 0.
    layers = []
    for i in range(len(LAYERS) - 1):
        linear = torch.nn.Linear(LAYERS[i], LAYERS[i + 1], dtype=torch_dtype)
        if i < len(LAYERS) - 2:
            torch.nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu")
        else:
            torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(LAYERS) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.learning_rate, momentum=args.momentum)
    generator = torch.Generator().manual_seed(args.seed)

    def epoch(x, y, batch):
        order = torch.randperm(x.shape[0], generator=generator)
        total = 0.0
        for start in range(0, x.shape[0], batch):
            index = order[start:start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * index.shape[0]
        return total / x.shape[0]

    fields = {"mode": "mlp-steps" if args.steps else "mlp", "library": "pytorch", "dtype": args.dtype, "batch": args.batch}
    seconds = []
    if args.steps:
        samples = args.steps * args.batch
        x, y = x_all[:samples], y_all[:samples]
        warm = min(samples, x_all.shape[0] - samples)
        if warm > 0:
            last_loss = epoch(x_all[samples:samples + warm], y_all[samples:samples + warm], args.batch)
        else:
            last_loss = epoch(x, y, args.batch)
        for _ in range(args.epochs):
            t = time.perf_counter()
            last_loss = epoch(x, y, args.batch)
            seconds.append(time.perf_counter() - t)
        per_run = statistics.median(seconds)
        fields.update({"steps": args.steps, "runs": args.epochs, "warmup_samples": warm or samples,
                       "steps_per_second": round(args.steps / per_run, 1),
                       "microseconds_per_step": round(per_run / args.steps * 1e6, 2),
                       "samples_per_second": round(samples / per_run, 1),
                       "seconds_per_run_all": [round(s, 4) for s in seconds]})
    else:
        samples = args.samples
        x, y = x_all[:samples], y_all[:samples]
        for _ in range(args.epochs):
            t = time.perf_counter()
            last_loss = epoch(x, y, args.batch)
            seconds.append(time.perf_counter() - t)
        per_epoch = statistics.median(seconds[1:] if len(seconds) > 1 else seconds)
        fields.update({"epochs": args.epochs, "steps_per_epoch": -(-samples // args.batch),
                       "seconds_per_epoch": round(per_epoch, 4), "samples_per_second": round(samples / per_epoch, 1),
                       "seconds_per_epoch_all": [round(s, 4) for s in seconds]})
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).double().mean().item()
    fields.update({"samples": samples, "allocated_bytes_per_step": None, "parameter_bytes": parameter_bytes(args.dtype),
                   "peak_working_set_bytes": peak_rss_bytes(), "test_accuracy": round(accuracy, 4),
                   "train_loss_last": round(last_loss, 5), "learning_rate": args.learning_rate, "momentum": args.momentum,
                   "seed": args.seed, "threads": torch.get_num_threads(),
                   "kernel": f"torch {torch.__version__}, {blas_info()[0]}", "runtime": f"Python {sys.version.split()[0]}"})
    emit(fields)


def torch_best(args):
    """Runs the worker with 2 threads and with 1 thread (fresh processes) and prints the faster run."""
    results = {}
    for threads in (2, 1):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        command = [sys.executable, os.path.abspath(__file__), "torch", "--threads", str(threads)] + worker_arguments(args)
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            sys.exit(done.returncode)
        results[threads] = json.loads(done.stdout.strip().splitlines()[-1])
    key = "microseconds_per_step" if args.steps else "seconds_per_epoch"
    best = min(results.values(), key=lambda r: r[key])
    best["threads_tried"] = {str(t): r[key] for t, r in results.items()}
    emit(best)


def worker_arguments(args):
    out = ["--data", args.data, "--dtype", args.dtype, "--batch", str(args.batch), "--epochs", str(args.epochs),
           "--samples", str(args.samples), "--seed", str(args.seed), "--learning-rate", str(args.learning_rate),
           "--momentum", str(args.momentum)]
    if args.steps:
        out += ["--steps", str(args.steps)]
    return out


# ---------------------------------------------------------------------------------------------------------------
# scikit-learn: MLPClassifier with solver='sgd', one partial_fit per epoch (each shuffles, as fit does).


def sklearn_run(args):
    import warnings
    from sklearn.neural_network import MLPClassifier

    dtype = DTYPES[args.dtype]
    x_all, y_all = load(args.data, True, dtype)
    x_test, y_test = load(args.data, False, dtype)
    x, y = x_all[:args.samples], y_all[:args.samples]
    model = MLPClassifier(hidden_layer_sizes=tuple(LAYERS[1:-1]), activation="relu", solver="sgd", alpha=0.0,
                          batch_size=args.batch, learning_rate="constant", learning_rate_init=args.learning_rate,
                          momentum=args.momentum, nesterovs_momentum=False, shuffle=True, random_state=args.seed,
                          tol=0.0, n_iter_no_change=10 ** 9, max_iter=args.epochs, early_stopping=False)
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.epochs):
            t = time.perf_counter()
            model.partial_fit(x, y, classes=np.arange(10))
            seconds.append(time.perf_counter() - t)
    per_epoch = statistics.median(seconds[1:] if len(seconds) > 1 else seconds)
    kernel, threads = blas_info()
    emit({"mode": "mlp", "library": "sklearn", "dtype": args.dtype, "batch": args.batch, "epochs": args.epochs,
          "steps_per_epoch": -(-args.samples // args.batch), "seconds_per_epoch": round(per_epoch, 4),
          "samples_per_second": round(args.samples / per_epoch, 1), "seconds_per_epoch_all": [round(s, 4) for s in seconds],
          "samples": args.samples, "allocated_bytes_per_step": None, "parameter_bytes": parameter_bytes(args.dtype),
          "parameter_dtype": str(model.coefs_[0].dtype),
          "peak_working_set_bytes": peak_rss_bytes(), "test_accuracy": round(float(model.score(x_test, y_test)), 4),
          "train_loss_last": round(float(model.loss_), 5), "learning_rate": args.learning_rate, "momentum": args.momentum,
          "seed": args.seed, "threads": threads, "kernel": f"scikit-learn {__import__('sklearn').__version__}, {kernel}",
          "runtime": f"Python {sys.version.split()[0]}"})


# ---------------------------------------------------------------------------------------------------------------
# Ratios: Pure against the peers, from JSON lines.


def read_lines(paths):
    rows = []
    for path in paths or []:
        with open(path) as f:
            rows += [json.loads(line) for line in f if line.strip().startswith("{")]
    return rows


def ratios(pure_paths, peer_paths, out=sys.stdout):
    pure, peers = read_lines(pure_paths), read_lines(peer_paths)
    lines = []
    gemm_pure = {(r["dtype"], r["form"], r["m"], r["k"], r["n"]): r for r in pure if r.get("mode") == "gemm"}
    gemm_peer = {(r["dtype"], r["form"], r["m"], r["k"], r["n"]): r for r in peers if r.get("mode") == "gemm"}
    if gemm_pure:
        lines.append("GEMM (GFLOP/s)            Pure  OpenBLAS  MathNet  Pure/OpenBLAS (target >= 0.70)")
        for key, r in gemm_pure.items():
            peer = gemm_peer.get(key)
            ob = peer["gflops"] if peer else None
            ratio = f"{r['gflops'] / ob:.2f}" if ob else "-"
            lines.append(f"{key[0]} {key[1]} {key[2]}x{key[3]}x{key[4]:<10} {r['gflops']:8.1f} {ob if ob else '-':>9} "
                         f"{r.get('mathnet_gflops') or '-':>8}  {ratio}")
    targets = {("float32", 128): 0.8, ("float64", 128): 0.9, ("float32", 32): 0.6, ("float64", 32): 0.6}
    epochs, seen = [], set()
    for r in pure:  # the first run of each (dtype, batch) on all 60,000 samples
        if r.get("mode") == "mlp" and r.get("samples") == 60000 and (r["dtype"], r["batch"]) not in seen:
            seen.add((r["dtype"], r["batch"]))
            epochs.append(r)
    if epochs:
        lines.append("")
        lines.append("Seconds per epoch          Pure  PyTorch  sklearn  Pure/PyTorch (target)  Pure/sklearn")
        for r in epochs:
            def find(library):
                return next((p for p in peers if p.get("library") == library and p.get("mode") == "mlp"
                             and p["dtype"] == r["dtype"] and p["batch"] == r["batch"] and p.get("samples") == 60000), None)
            torch_row, sk_row = find("pytorch"), find("sklearn")
            t = torch_row["seconds_per_epoch"] if torch_row else None
            s = sk_row["seconds_per_epoch"] if sk_row else None
            target = targets.get((r["dtype"], r["batch"]))
            own = r["seconds_per_epoch"]
            torch_ratio = f"{own / t:.2f}" if t else "-"
            sklearn_ratio = f"{own / s:.2f}" if s else "-"
            lines.append(f"{r['dtype']} batch {r['batch']:<8} {own:8.3f} {t or '-':>8} {s or '-':>8}  "
                         f"{torch_ratio:>6} (<= {target or '-'})  {sklearn_ratio:>6}")
    for r in (r for r in pure if r.get("mode") == "mlp-steps"):
        torch_row = next((p for p in peers if p.get("library") == "pytorch" and p.get("mode") == "mlp-steps"
                          and p["dtype"] == r["dtype"] and p["batch"] == r["batch"]), None)
        lines.append("")
        if torch_row:
            lines.append(f"Steps per second, {r['dtype']} batch {r['batch']}: Pure {r['steps_per_second']}, PyTorch "
                         f"{torch_row['steps_per_second']}, Pure/PyTorch {r['steps_per_second'] / torch_row['steps_per_second']:.2f} (target >= 10)")
        else:
            lines.append(f"Steps per second, {r['dtype']} batch {r['batch']}: Pure {r['steps_per_second']}, no PyTorch run")
    print("\n".join(lines), file=out)


# ---------------------------------------------------------------------------------------------------------------


def add_run_options(p, epochs_default=15):
    p.add_argument("--data", required=True)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--epochs", type=int, default=epochs_default)
    p.add_argument("--steps", type=int, default=0)
    p.add_argument("--samples", type=int, default=60000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--learning-rate", type=float, default=DEFAULT_LEARNING_RATE)
    p.add_argument("--momentum", type=float, default=0.9)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("gemm")
    p.add_argument("--runs", type=int, default=21)
    p.add_argument("--run-ms", type=int, default=20)
    p.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    p = sub.add_parser("torch")
    add_run_options(p)
    p.add_argument("--threads", default="best", choices=["best", "1", "2"])
    p = sub.add_parser("sklearn")
    add_run_options(p)
    p = sub.add_parser("all")
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=15, help="epochs of the batch-128 runs")
    p.add_argument("--epochs-32", type=int, default=5, help="epochs of the batch-32 runs")
    p.add_argument("--sklearn-epochs", type=int, default=5)
    p.add_argument("--steps", type=int, default=2000, help="batch-1 steps")
    p.add_argument("--steps-learning-rate", type=float, default=0.005)
    p.add_argument("--runs", type=int, default=21)
    p.add_argument("--pure", nargs="*", default=[])
    p.add_argument("--out", help="also append the JSON lines to this file")
    p = sub.add_parser("ratios")
    p.add_argument("--pure", nargs="+", required=True)
    p.add_argument("--peers", nargs="+", required=True)
    args = parser.parse_args()

    if args.command in ("torch", "sklearn") and (args.batch < 1 or args.epochs < 1 or not 1 <= args.samples <= 60000):
        fail("--batch and --epochs must be at least 1 and --samples in [1, 60000]")
    if args.command == "gemm":
        gemm(args)
    elif args.command == "torch":
        if args.threads == "best":
            torch_best(args)
        else:
            args.threads = int(args.threads)
            torch_worker(args)
    elif args.command == "sklearn":
        sklearn_run(args)
    elif args.command == "ratios":
        ratios(args.pure, args.peers)
    else:
        run_all(args)


def run_all(args):
    """The peers' part of run-all.sh, each configuration in a fresh process; JSON lines to stdout (and --out)."""
    me = [sys.executable, os.path.abspath(__file__)]
    common = ["--data", args.data]
    runs = [["gemm", "--runs", str(args.runs)]]
    for dtype in ("float32", "float64"):
        runs.append(["torch", *common, "--dtype", dtype, "--batch", "128", "--epochs", str(args.epochs)])
        runs.append(["torch", *common, "--dtype", dtype, "--batch", "32", "--epochs", str(args.epochs_32)])
        runs.append(["sklearn", *common, "--dtype", dtype, "--batch", "128", "--epochs", str(args.sklearn_epochs)])
        runs.append(["sklearn", *common, "--dtype", dtype, "--batch", "32", "--epochs", str(args.sklearn_epochs)])
    for dtype in ("float32", "float64"):
        runs.append(["torch", *common, "--dtype", dtype, "--batch", "1", "--steps", str(args.steps), "--epochs", "3",
                     "--learning-rate", str(args.steps_learning_rate)])
    collected = []
    for run in runs:
        print(f"# {' '.join(run)}", file=sys.stderr, flush=True)
        done = subprocess.run(me + run, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            sys.exit(done.returncode)
        for line in done.stdout.splitlines():
            if line.startswith("{"):
                print(line, flush=True)
                collected.append(line)
                if args.out:
                    with open(args.out, "a") as f:
                        f.write(line + "\n")
    if args.pure:
        path = args.out
        if not path:
            import tempfile
            handle, path = tempfile.mkstemp(suffix=".jsonl")
            with os.fdopen(handle, "w") as f:
                f.write("\n".join(collected) + "\n")
        ratios(args.pure, [path], out=sys.stderr)


if __name__ == "__main__":
    main()
