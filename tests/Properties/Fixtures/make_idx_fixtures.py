#!/usr/bin/python3
"""Writes the IDX fixtures of IdxFixtureTests once, with Python's struct and gzip only (not Pure's Idx.Write),
in the layout of the MNIST / Fashion-MNIST files. Run from this folder:
    /usr/bin/python3 make_idx_fixtures.py
Values (restated in IdxFixtureTests.cs): 3 images of 2 x 3 pixels, pixel (r, c) of image i = 100 i + 10 r + c + 1;
labels 7, 0, 9. Each file is written raw and as .gz (mtime 0, so the bytes do not depend on the day)."""
import gzip
import struct

IMAGES, ROWS, COLUMNS = 3, 2, 3
LABELS = [7, 0, 9]

images = struct.pack(">BBBBiii", 0, 0, 0x08, 3, IMAGES, ROWS, COLUMNS) + bytes(
    100 * i + 10 * r + c + 1 for i in range(IMAGES) for r in range(ROWS) for c in range(COLUMNS))
labels = struct.pack(">BBBBi", 0, 0, 0x08, 1, len(LABELS)) + bytes(LABELS)

for name, data in (("tiny-images-idx3-ubyte", images), ("tiny-labels-idx1-ubyte", labels)):
    with open(name, "wb") as raw:
        raw.write(data)
    with open(name + ".gz", "wb") as packed:
        packed.write(gzip.compress(data, mtime=0))
