#!/usr/bin/python3
"""Builds the PyTorch fixtures of Pure's ONNX import tests (tests/Onnx/Fixtures).

Run from the repository root with Debian's Python, torch 1.13 and numpy (apt: python3-torch, python3-numpy):

    /usr/bin/python3 tools/onnx/make_torch_fixtures.py

For each seeded nn.Sequential MLP below it writes NAME.onnx (torch.onnx.export, opset 17 unless the fixture says
otherwise, dynamic batch axis "batch", input "input", output "output") and NAME.json: the torch and dtype used, a fixed input batch (samples as
rows, as in ONNX) and torch's outputs for it. The tests read these files; they never run Python.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "Onnx", "Fixtures")
OPSET = 17


class MatMulLinear(nn.Module):
    """A linear layer written as x @ W^T + b, which torch.onnx exports as MatMul then Add (not Gemm)."""

    def __init__(self, inputs, outputs):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(outputs, inputs) / inputs ** 0.5)
        self.bias = nn.Parameter(torch.randn(outputs) * 0.1)

    def forward(self, x):
        return torch.matmul(x, self.weight.t()) + self.bias


def fixtures():
    """(name, seed, dtype, builder, features, batch[, export options]) for each fixture."""
    return [
        ("relu_softmax_4_8_3_f32", 1, torch.float32,
         lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1)), 4, 7),
        ("tanh_sigmoid_5_16_16_2_f32", 2, torch.float32,
         lambda: nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 2), nn.Sigmoid()), 5, 9),
        ("leaky_softmax_3_10_6_4_f64", 3, torch.float64,
         lambda: nn.Sequential(nn.Linear(3, 10), nn.LeakyReLU(0.2), nn.Linear(10, 6), nn.Tanh(), nn.Linear(6, 4), nn.Softmax(dim=1)), 3, 6),
        ("regression_6_12_1_f32", 4, torch.float32,
         lambda: nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Identity(), nn.Linear(12, 1)), 6, 8),
        ("matmul_add_nobias_5_7_3_f32", 5, torch.float32,
         lambda: nn.Sequential(MatMulLinear(5, 7), nn.Sigmoid(), nn.Linear(7, 3, bias=False)), 5, 5),
        ("regression_4_9_2_f64", 6, torch.float64,
         lambda: nn.Sequential(nn.Linear(4, 9), nn.Tanh(), nn.Linear(9, 2)), 4, 5),
        # opset 11 (Softmax's default axis is 1 there) without constant folding: x @ W.T exports as Transpose(W) then MatMul
        ("nofold_opset11_4_6_5_3_f32", 7, torch.float32,
         lambda: nn.Sequential(MatMulLinear(4, 6), nn.LeakyReLU(0.05), nn.Linear(6, 5, bias=False), nn.Tanh(), nn.Linear(5, 3), nn.Softmax(dim=1)), 4, 6,
         {"opset_version": 11, "do_constant_folding": False}),
    ]


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, seed, dtype, build, features, batch, *options in fixtures():
        export = {"opset_version": OPSET, "do_constant_folding": True, **(options[0] if options else {})}
        torch.manual_seed(seed)
        model = build().to(dtype).eval()
        x = (torch.rand(batch, features, dtype=dtype) * 4 - 2)
        with torch.no_grad():
            y = model(x)
        path = os.path.join(OUT, name + ".onnx")
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, **export)
        record = {
            "made_by": "tools/onnx/make_torch_fixtures.py",
            "torch": torch.__version__,
            "opset": export["opset_version"],
            "constant_folding": export["do_constant_folding"],
            "dtype": "float32" if dtype == torch.float32 else "float64",
            "module": str(model),
            "input": [[float(v) for v in row] for row in x.numpy().astype(np.float64)],
            "output": [[float(v) for v in row] for row in y.numpy().astype(np.float64)],
        }
        with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1)
            f.write("\n")
        print(name, tuple(x.shape), "->", tuple(y.shape), file=sys.stderr)


if __name__ == "__main__":
    main()
