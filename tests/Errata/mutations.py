"""Each erratum of ../shared/seeds/README.md, written as the literal code change it would be in src/Pure.

Used by run-errata.sh: it applies one mutation at a time to a scratch clone and runs the whole test suite,
to show which tests catch each erratum (docs/errata.md records the result). The ReLU mutations edit the
Vector512 form of ReLU's backward operation in Kernels.cs, the path every length takes on a machine whose
runtime accelerates Vector512 (the machines here); on another machine they would need the Vector256 form."""

MUTATIONS = {
    "001-db-divided-by-m-twice": (
        "src/Pure/Backprop.cs",
        "Kernels<T>.ScaledRowSums(delta.AsSpan(0, outputSize * m), outputSize, inverseM, gradients[2 * l + 1].AsSpan(0, outputSize));",
        "Kernels<T>.ScaledRowSums(delta.AsSpan(0, outputSize * m), outputSize, inverseM * inverseM, gradients[2 * l + 1].AsSpan(0, outputSize));",
    ),
    "001-dW-uses-a-of-layer-l": (
        "src/Pure/Backprop.cs",
        "var previous = l == 0 ? input : activations[l - 1];",
        "var previous = activations[l];",
    ),
    "001-bias-indexed-by-k-not-j": (
        "src/Pure/Backprop.cs",
        "Kernels<T>.Multiply(false, weight, outputSize, inputSize, false, previous, inputSize, m, z, bias);",
        "Kernels<T>.Multiply(false, weight, outputSize, inputSize, false, previous, inputSize, m, z, [.. bias.Reverse()]);",
    ),
    "002-dC-da-is-z-minus-y": (
        "src/Pure/Backprop.cs",
        "loss.Gradient<T>(a, y, scratch, rows);",
        "if (loss is SquaredLoss) Kernels<T>.Subtract(z, y, scratch); else loss.Gradient<T>(a, y, scratch, rows);",
    ),
    "003-bce-derivative-sign": (
        "src/Pure/Model/Loss.cs",
        "gradient[i] = -(target[i] / output[i] - (T.One - target[i]) / (T.One - output[i]));",
        "gradient[i] = (target[i] / output[i] - (T.One - target[i]) / (T.One - output[i]));",
    ),
    "003-bce-sign-in-fused-delta": (
        "src/Pure/Model/Loss.cs",
        "if (!delta.IsEmpty) Kernels<T>.Subtract(a, y, delta); // δ = a - y after the sigmoid",
        "if (!delta.IsEmpty) Kernels<T>.Subtract(y, a, delta); // δ = a - y after the sigmoid",
    ),
    "003-relu-derivative-at-0-is-one-half": (
        "src/Pure/Numerics/Kernels.cs",
        "public Vector512<T> Invoke(Vector512<T> z, Vector512<T> upstream) => upstream & Vector512.GreaterThan(z, Vector512<T>.Zero);",
        "public Vector512<T> Invoke(Vector512<T> z, Vector512<T> upstream) => Vector512.ConditionalSelect(Vector512.Equals(z, Vector512<T>.Zero), Vector512.Create(T.CreateChecked(0.5)) * upstream, upstream & Vector512.GreaterThan(z, Vector512<T>.Zero));",
    ),
    "003-relu-derivative-at-0-is-one": (
        "src/Pure/Numerics/Kernels.cs",
        "public Vector512<T> Invoke(Vector512<T> z, Vector512<T> upstream) => upstream & Vector512.GreaterThan(z, Vector512<T>.Zero);",
        "public Vector512<T> Invoke(Vector512<T> z, Vector512<T> upstream) => upstream & Vector512.GreaterThanOrEqual(z, Vector512<T>.Zero);",
    ),
}

if __name__ == "__main__":
    import sys
    name, root = sys.argv[1], sys.argv[2]
    path, old, new = MUTATIONS[name]
    full = f"{root}/{path}"
    text = open(full, encoding="utf-8").read()
    if text.count(old) != 1:
        sys.exit(f"mutation {name}: expected exactly one match of the original line in {path}, found {text.count(old)}")
    open(full, "w", encoding="utf-8").write(text.replace(old, new))
    print(f"applied {name} to {path}")
