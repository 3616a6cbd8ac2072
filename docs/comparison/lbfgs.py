#!/usr/bin/env python3
"""L-BFGS side by side: scikit-learn's MLPClassifier(solver='lbfgs') and `pure train --optimizer lbfgs`.

For each data set (iris, wine, breast_cancer, digits from ../shared/data) and each split seed, the samples are cut
into a stratified 75/25 split (scikit-learn's train_test_split), written as train.csv and test.csv to a temporary
folder, and both trained on the same training part and measured on the same test part:

  scikit-learn: StandardScaler + MLPClassifier(hidden_layer_sizes=(100,), solver='lbfgs', alpha=1e-4, tol=1e-4,
                max_iter=200, activation='relu', random_state=seed)
  Pure:         pure train --data train.csv --test-data test.csv --optimizer lbfgs --layers 100
                --initialization glorot-uniform --max-iterations 200 --tolerance 1e-4 --alpha 1e-4
                --validation-fraction 0 --scaling standardize --seed seed

Both minimise the mean cross-entropy plus (alpha / 2m) sum ||W||^2 over the weights. They differ in what is not part
of the comparison: the initial weights (both Glorot uniform, but from different random streams, and scikit-learn
draws the biases from the same range where Pure starts them at 0), a single logistic
output for two classes in scikit-learn against Pure's softmax, and the L-BFGS implementation (SciPy's L-BFGS-B
against MathNet's LimitedMemoryBfgsMinimizer, whose line search and stopping tests differ).

Usage (from the repository root, after `dotnet build Pure.sln -c Release`; /usr/bin/python3 is the one with Debian's
scikit-learn 1.2 here):
  env -u OPENBLAS_CORETYPE /usr/bin/python3 docs/comparison/lbfgs.py [--seeds 0 1 ... 9] [--data ../shared/data]
"""
import argparse
import csv
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

SETS = ["iris", "wine", "breast_cancer", "digits"]
MAX_ITER, ALPHA, TOL, HIDDEN = 200, 1e-4, 1e-4, 100


def read(path):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    x = np.array([[float(v) for v in row[:-1]] for row in body])
    y = np.array([row[-1] for row in body])
    return header, x, y


def write(path, header, x, y):
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for features, label in zip(x, y):
            out.writerow([repr(float(v)) for v in features] + [label])


def sklearn_accuracy(x_train, y_train, x_test, y_test, seed):
    model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(HIDDEN,), solver="lbfgs", alpha=ALPHA, tol=TOL,
                                                          max_iter=MAX_ITER, random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train)
    return float(np.mean(model.predict(x_test) == y_test)), int(model[-1].n_iter_)


def pure_accuracy(pure, train, test, folder, seed):
    command = pure + ["train", "--data", train, "--test-data", test, "--optimizer", "lbfgs", "--layers", str(HIDDEN), "--initialization", "glorot-uniform",
                      "--max-iterations", str(MAX_ITER), "--tolerance", repr(TOL), "--alpha", repr(ALPHA),
                      "--validation-fraction", "0", "--scaling", "standardize", "--seed", str(seed), "--output", folder]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(folder, "metrics.json")) as handle:
        metrics = json.load(handle)
    report = metrics["lbfgs"]
    # The iterations, or (a run stopped by SciPy's max-abs gradient test, inside MathNet) the evaluations and "e".
    return float(metrics["test"]["accuracy"]), report["iterations"] if report["iterations"] is not None else f"{report['evaluations']}e"


def arguments(description):
    """The command line shared by the comparison scripts (--data, --seeds, --pure) and the command that runs Pure."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", default=os.path.join(root, "..", "shared", "data"))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--pure", default=os.path.join(root, "src", "Pure.Cli", "bin", "Release", "net10.0", "Pure.Cli"))
    args = parser.parse_args()
    pure = [args.pure] if os.path.exists(args.pure) else ["dotnet", "run", "--project", os.path.join(root, "src", "Pure.Cli"), "-c", "Release", "--"]
    return args, pure


def main():
    args, pure = arguments(__doc__.splitlines()[0])

    print(f"{'data':<14}{'seed':>5}{'train':>7}{'test':>6}{'sklearn':>9}{'it':>5}{'pure':>9}{'it':>5}{'diff':>8}")
    summary = []
    with tempfile.TemporaryDirectory() as temp:
        for name in SETS:
            header, x, y = read(os.path.join(args.data, name + ".csv"))
            scores = []
            for seed in args.seeds:
                x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, stratify=y, random_state=seed)
                train, test = os.path.join(temp, f"{name}-{seed}-train.csv"), os.path.join(temp, f"{name}-{seed}-test.csv")
                write(train, header, x_train, y_train)
                write(test, header, x_test, y_test)
                ours, ours_it = pure_accuracy(pure, train, test, os.path.join(temp, f"{name}-{seed}-run"), seed)
                theirs, theirs_it = sklearn_accuracy(x_train, y_train, x_test, y_test, seed)
                scores.append((theirs, ours))
                print(f"{name:<14}{seed:>5}{len(y_train):>7}{len(y_test):>6}{theirs:>9.4f}{theirs_it:>5}{ours:>9.4f}{str(ours_it):>5}{100 * (ours - theirs):>+8.2f}")
                sys.stdout.flush()
            mean = np.mean(scores, axis=0)
            summary.append((name, mean[0], mean[1]))
    print()
    print(f"{'data':<14}{'sklearn':>9}{'pure':>9}{'diff (points)':>15}  (mean test accuracy over seeds {' '.join(map(str, args.seeds))})")
    for name, theirs, ours in summary:
        print(f"{name:<14}{theirs:>9.4f}{ours:>9.4f}{100 * (ours - theirs):>+15.2f}")


if __name__ == "__main__":
    main()
