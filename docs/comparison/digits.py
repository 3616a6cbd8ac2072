#!/usr/bin/env python3
"""Digits side by side: scikit-learn's default MLPClassifier (Adam) and `pure train` with its defaults.

For each split seed, ../shared/data/digits.csv is cut into a stratified 75/25 split (scikit-learn's
train_test_split), written as train.csv and test.csv to a temporary folder, and both are trained on the same training
part and measured on the same test part:

  scikit-learn: StandardScaler + MLPClassifier(hidden_layer_sizes=(100,), random_state=seed)   (Adam, lr 1e-3,
                batch 200, alpha 1e-4, up to 200 epochs with its own stopping on the training loss)
  Pure:         pure train --data train.csv --test-data test.csv --validation-fraction 0 --seed seed
                (Adam, lr 1e-3, batch 32, 30 epochs, layers 100, standardized features: the digits job's settings)

Usage (from the repository root, after `dotnet build Pure.sln -c Release`):
  env -u OPENBLAS_CORETYPE /usr/bin/python3 docs/comparison/digits.py [--seeds 0 1 ... 9]
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lbfgs import arguments, read, write  # noqa: E402


def main():
    args, pure = arguments(__doc__.splitlines()[0])
    header, x, y = read(os.path.join(args.data, "digits.csv"))
    print(f"{'seed':>5}{'sklearn':>9}{'pure':>9}{'diff':>8}")
    scores = []
    with tempfile.TemporaryDirectory() as temp:
        for seed in args.seeds:
            x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, stratify=y, random_state=seed)
            train, test, run = (os.path.join(temp, f"{seed}-{part}") for part in ("train.csv", "test.csv", "run"))
            write(train, header, x_train, y_train)
            write(test, header, x_test, y_test)
            subprocess.run(pure + ["train", "--data", train, "--test-data", test, "--validation-fraction", "0", "--seed", str(seed), "--output", run],
                           check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(run, "metrics.json")) as handle:
                ours = float(json.load(handle)["test"]["accuracy"])
            model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(100,), random_state=seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x_train, y_train)
            theirs = float(np.mean(model.predict(x_test) == y_test))
            scores.append((theirs, ours))
            print(f"{seed:>5}{theirs:>9.4f}{ours:>9.4f}{100 * (ours - theirs):>+8.2f}")
            sys.stdout.flush()
    theirs, ours = np.mean(scores, axis=0)
    print(f"\nmean over seeds {' '.join(map(str, args.seeds))}: sklearn {theirs:.4f}, pure {ours:.4f}, diff {100 * (ours - theirs):+.2f} points")


if __name__ == "__main__":
    main()
