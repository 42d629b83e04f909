"""Float32 safetensors read/write with only the standard library and numpy.

The format is an 8-byte little-endian header length, a JSON header mapping each name to
{dtype, shape, data_offsets}, then the tensors' raw bytes. Only F32 is handled: the conformance
tests exchange float32 tensors, and the checkpoint's own precisions are the engine's concern.
"""
import json
import struct

import numpy as np


def read_f32(path):
    """name -> float32 array, read tensor by tensor (full-width checkpoints are gigabytes)."""
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
        base = 8 + n
        for name, h in header.items():
            if name == "__metadata__":
                continue
            if h["dtype"] != "F32":
                raise ValueError(f"{name}: dtype {h['dtype']}, this reader takes F32 only")
            a, b = h["data_offsets"]
            arr = np.empty(h["shape"], dtype="<f4")
            f.seek(base + a)
            if f.readinto(memoryview(arr).cast("B")) != b - a:
                raise ValueError(f"{name}: the file ends inside the tensor")
            out[name] = arr
    return out


def write_f32(path, tensors):
    header, offset, chunks = {}, 0, []
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    head = json.dumps(header).encode("utf-8")
    head += b" " * ((8 - (8 + len(head)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for c in chunks:
            f.write(c)
