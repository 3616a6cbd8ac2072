#!/usr/bin/env python3
"""Diabetes regression: scikit-learn's MLPRegressor and Pure on the same split, side by side.

Usage (from the project's root, after `dotnet build Pure.sln -c Release`):
    env -u OPENBLAS_CORETYPE /usr/bin/python3 docs/comparison/regression.py

The script cuts ../shared/data/diabetes.csv into train.csv and test.csv (25 % test, seed 0) in --work, fits
scikit-learn's MLPRegressor (features standardized with StandardScaler, fitted on train.csv) in several settings,
trains Pure with `pure train --task regression --data train.csv --test-data test.csv --experiment
docs/examples/diabetes.json`, checks Pure's R² once more with `pure evaluate` on test.csv, and prints R², RMSE
and MAE of every model on test.csv.
"""
import argparse
import json
import os
import subprocess
import sys
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1)


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(str(int(v)) if float(v).is_integer() else repr(float(v)) for v in row) + "\n")


def scores(y, p):
    return r2_score(y, p), mean_squared_error(y, p) ** 0.5, mean_absolute_error(y, p)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "diabetes.csv"))
    parser.add_argument("--work", default=os.path.join(ROOT, "runs", "comparison-regression"))
    parser.add_argument("--experiment", default=os.path.join(ROOT, "docs", "examples", "diabetes.json"))
    parser.add_argument("--pure", default="dotnet " + os.path.join(ROOT, "src", "Pure.Cli", "bin", "Release", "net10.0", "Pure.Cli.dll"))
    parser.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    parser.add_argument("--repeat", type=int, default=0,
                        help="also fit every model with N other seeds (scikit-learn's random_state 1..N, Pure's --seed 1..N) and print the mean and spread of R2")
    args = parser.parse_args()

    header, data = read_csv(args.data)
    train, test = train_test_split(data, test_size=0.25, random_state=args.seed)
    os.makedirs(args.work, exist_ok=True)
    train_csv, test_csv = os.path.join(args.work, "train.csv"), os.path.join(args.work, "test.csv")
    write_csv(train_csv, header, train)
    write_csv(test_csv, header, test)
    # Read back what Pure reads, so that both see exactly the same numbers.
    _, train = read_csv(train_csv)
    _, test = read_csv(test_csv)
    x_train, y_train, x_test, y_test = train[:, :-1], train[:, -1], test[:, :-1], test[:, -1]
    print(f"diabetes: {len(train)} train and {len(test)} test samples (seed {args.seed}); files in {args.work}")

    rows = []
    settings = [
        ("MLPRegressor() defaults: (100,), adam, max_iter=200", dict(), False),
        ("MLPRegressor((100,), max_iter=5000)", dict(hidden_layer_sizes=(100,), max_iter=5000), False),
        ("MLPRegressor((100,), max_iter=5000, early_stopping=True)", dict(hidden_layer_sizes=(100,), max_iter=5000, early_stopping=True), False),
        ("MLPRegressor((100,), max_iter=5000), standardized targets", dict(hidden_layer_sizes=(100,), max_iter=5000), True),
    ]
    def sklearn_model(kwargs, scale_targets, random_state):
        model = make_pipeline(StandardScaler(), MLPRegressor(random_state=random_state, **kwargs))
        return TransformedTargetRegressor(regressor=model, transformer=StandardScaler()) if scale_targets else model

    for name, kwargs, scale_targets in settings:
        model = sklearn_model(kwargs, scale_targets, 0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(x_train, y_train)
        mlp = (model.regressor_ if scale_targets else model)[-1]
        note = f"{mlp.n_iter_} iterations" + (", not converged" if any(issubclass(w.category, ConvergenceWarning) for w in caught) else "")
        rows.append((f"scikit-learn {name}", *scores(y_test, model.predict(x_test)), note))

    run = os.path.join(args.work, "pure")
    pure = args.pure.split()
    command = pure + ["train", "--data", train_csv, "--test-data", test_csv, "--experiment", args.experiment, "--output", run]
    print("$", " ".join(command))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(run, "metrics.json")) as f:
        metrics = json.load(f)["test"]
    with open(os.path.join(run, "experiment.json")) as f:
        experiment = json.load(f)
    evaluate = pure + ["evaluate", "--model", os.path.join(run, "model.json"), "--data", test_csv]
    print("$", " ".join(evaluate))
    evaluated = subprocess.run(evaluate, check=True, capture_output=True, text=True).stdout
    r2_line = [line for line in evaluated.splitlines() if line.startswith("R2: ")][0]
    predict = pure + ["predict", "--model", os.path.join(run, "model.json"), "--data", test_csv, "--target", header[-1]]
    predicted = np.loadtxt(subprocess.run(predict, check=True, capture_output=True, text=True).stdout.splitlines()[1:], delimiter=",", ndmin=1)
    layers = ",".join(map(str, experiment["layers"]))
    rows.append((f"Pure {os.path.relpath(args.experiment, ROOT)}: ({layers}), {experiment['optimizer']}, {experiment['epochs']} epochs",
                 metrics["r2"], metrics["rmse"], metrics["mae"],
                 f"evaluate {r2_line}; R2 of predict's output {r2_score(y_test, predicted):.4f}"))

    width = max(len(row[0]) for row in rows)
    print(f"\n{'model':<{width}}  {'R2':>7}  {'RMSE':>7}  {'MAE':>7}  note")
    for name, r2, rmse, mae, note in rows:
        print(f"{name:<{width}}  {r2:7.4f}  {rmse:7.2f}  {mae:7.2f}  {note}")
    if args.repeat > 0:
        print(f"\nR2 over seeds 1..{args.repeat} (the same split; other initial weights and shuffles):")
        for name, kwargs, scale_targets in settings:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                r2s = [r2_score(y_test, sklearn_model(kwargs, scale_targets, seed).fit(x_train, y_train).predict(x_test)) for seed in range(1, args.repeat + 1)]
            print(f"  scikit-learn {name}: mean {np.mean(r2s):.4f}, min {min(r2s):.4f}, max {max(r2s):.4f}")
        r2s = []
        for seed in range(1, args.repeat + 1):
            subprocess.run(command + ["--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(run, "metrics.json")) as f:
                r2s.append(json.load(f)["test"]["r2"])
        print(f"  Pure {os.path.relpath(args.experiment, ROOT)} with --seed: mean {np.mean(r2s):.4f}, min {min(r2s):.4f}, max {max(r2s):.4f}")
    best = max(row[1] for row in rows[:-1])
    print(f"\nPure R2 {rows[-1][1]:.4f} vs the best scikit-learn R2 {best:.4f}: {'at least as good' if rows[-1][1] >= best else 'below'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
