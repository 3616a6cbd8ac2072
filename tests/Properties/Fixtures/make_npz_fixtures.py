#!/usr/bin/python3
"""Writes the .npz fixtures of NpzTests once, with Debian's python3-numpy (1.24). Run from this folder:
    /usr/bin/python3 make_npz_fixtures.py
Values (restated in NpzTests.cs), for a 2-3-2 network, layer l = 1, 2:
    W<l>[i, j] = 10 l + (i + 1) + (j + 1) / 8     shape (n_l, n_{l-1})
    b<l>[i]    = -l - (i + 1) / 4                 shape (n_l,) or (n_l, 1)
All exactly representable in float32."""
import io
import zipfile

import numpy as np

SIZES = [2, 3, 2]


def weight(l, dtype, fortran):
    rows, columns = SIZES[l], SIZES[l - 1]
    w = np.array([[10 * l + (i + 1) + (j + 1) / 8 for j in range(columns)] for i in range(rows)], dtype=dtype)
    return np.asfortranarray(w) if fortran else np.ascontiguousarray(w)


def bias(l, dtype, column):
    b = np.array([-l - (i + 1) / 4 for i in range(SIZES[l])], dtype=dtype)
    return b.reshape(-1, 1) if column else b


def arrays(dtype, fortran, column):
    result = {}
    for l in (1, 2):
        result[f"W{l}"] = weight(l, dtype, fortran)
        result[f"b{l}"] = bias(l, dtype, column)
    return result


# np.savez (stored entries), float64, C order, b as (n,).
np.savez("savez_f8_c.npz", **arrays(np.float64, fortran=False, column=False))
# np.savez_compressed (deflated entries), float32, Fortran order, b as (n, 1).
np.savez_compressed("savez_compressed_f4_fortran.npz", **arrays(np.float32, fortran=True, column=True))
# np.savez, float32, C order, b as (n, 1).
np.savez("savez_f4_c.npz", **arrays(np.float32, fortran=False, column=True))

# .npy format versions 2.0 and 3.0 (np.save picks 1.0 for small headers), float64, Fortran order.
with zipfile.ZipFile("npy_v2_v3_f8_fortran.npz", "w", compression=zipfile.ZIP_STORED) as archive:
    for index, (name, array) in enumerate(arrays(np.float64, fortran=True, column=False).items()):
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, version=(2, 0) if index % 2 == 0 else (3, 0))
        archive.writestr(name + ".npy", buffer.getvalue())
