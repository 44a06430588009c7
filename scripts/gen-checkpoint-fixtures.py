"""Writes the small PyTorch checkpoint and safetensors fixtures under test/fixtures/checkpoints/ and expected.json.

Run with Debian's torch: /usr/bin/python3 scripts/gen-checkpoint-fixtures.py
The files are committed; rerunning rewrites them deterministically (same seed), except zip timestamps.
"""
import json
import os
import struct
from collections import OrderedDict

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'checkpoints')
DTYPE_NAMES = {
    torch.float32: 'float32', torch.float64: 'float64', torch.float16: 'float16', torch.bfloat16: 'bfloat16',
    torch.int64: 'int64', torch.int32: 'int32', torch.int16: 'int16', torch.int8: 'int8', torch.uint8: 'uint8',
    torch.bool: 'bool',
}
expected = {}


def describe(t):
    """The logical (row-major) values a reader must produce, widened to float32; integers as strings to survive JSON."""
    flat = t.detach().contiguous().reshape(-1)
    values = flat.float().tolist() if t.is_floating_point() else [str(int(v)) for v in flat.tolist()]
    return {'dtype': DTYPE_NAMES[t.dtype], 'shape': list(t.shape), 'values': values}


def save(name, obj, legacy, state_dict, meta=None):
    torch.save(obj, os.path.join(OUT, name), _use_new_zipfile_serialization=not legacy)
    expected[name] = {
        'format': 'torch-legacy' if legacy else 'torch-zip',
        'meta': meta or {},
        'tensors': {k: describe(v) for k, v in state_dict.items()},
    }


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 5)


def tiny_state_dict():
    torch.manual_seed(0)
    net = Tiny()
    with torch.no_grad():
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.normal_()
        net.bn.running_mean.normal_()
        net.bn.running_var.uniform_(0.5, 2.0)
        net.bn.num_batches_tracked.fill_(1234)
    return net.state_dict()


def cast(sd, dtype):
    return OrderedDict((k, v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items())


def write_safetensors(path, tensors, metadata):
    """Hand-written safetensors (no package): u64 LE header length, JSON header, then the raw little-endian bytes."""
    codes = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64', torch.float64: 'F64'}
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for key, t in tensors.items():
        raw = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dim() else t.reshape(1).view(torch.uint8).numpy().tobytes()
        header[key] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()  # deliberately unpadded: the data then starts unaligned
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)) + head + b''.join(blobs))


class Evil:
    """Unpickling this runs a shell command; a safe loader must refuse it by name without running anything."""

    def __reduce__(self):
        return (os.system, ('touch /tmp/iotnets-fixture-pwned',))


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = tiny_state_dict()
    meta = {'acc': 91.25, 'epoch': 7}
    wrapped = OrderedDict(('module.' + k, v) for k, v in sd.items())
    save('tiny.legacy.t7', {'net': wrapped, 'acc': 91.25, 'epoch': 7}, True, sd, meta)
    save('tiny.zip.pt', {'net': sd, 'acc': 91.25, 'epoch': 7}, False, sd, meta)
    half = cast(sd, torch.float16)
    save('tiny-f16.zip.pt', {'net': half, 'acc': 91.25, 'epoch': 7}, False, half, meta)
    bf16 = cast(sd, torch.bfloat16)
    save('tiny-bf16.zip.pt', {'net': bf16, 'acc': 91.25, 'epoch': 7}, False, bf16, meta)
    double = cast(sd, torch.float64)
    save('tiny-f64.legacy.t7', {'net': double, 'acc': 91.25, 'epoch': 7}, True, double, meta)

    # Views sharing one storage: an offset slice, a transpose and a strided slice must be gathered, not copied flat.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    views = OrderedDict([
        ('base', base), ('transposed', base.t()), ('rows', base[1:3]), ('strided', base[:, 1::2]),
        ('column', base[:, 4]), ('expanded', torch.tensor([1.5, -2.0]).reshape(2, 1).expand(2, 3)),
        ('scalar', base[2, 3]), ('empty', base[:0]),
    ])
    save('views.zip.pt', views, False, views)
    save('views.legacy.t7', views, True, views)

    ints = OrderedDict([
        ('i64', torch.tensor([[-(2 ** 40), 3], [7, 2 ** 53 + 1]], dtype=torch.int64)),
        ('i32', torch.tensor([-5, 2 ** 31 - 1], dtype=torch.int32)),
        ('i16', torch.tensor([-300, 300], dtype=torch.int16)),
        ('i8', torch.tensor([-128, 127], dtype=torch.int8)),
        ('u8', torch.tensor([0, 255], dtype=torch.uint8)),
        ('flags', torch.tensor([True, False, True])),
    ])
    save('dtypes.zip.pt', ints, False, ints)

    safe = OrderedDict([
        ('conv.weight', sd['conv.weight']), ('fc.weight.f16', sd['fc.weight'].half()),
        ('fc.bias.bf16', sd['fc.bias'].bfloat16()), ('bn.num_batches_tracked', sd['bn.num_batches_tracked']),
        ('bn.running_var.f64', sd['bn.running_var'].double()),
    ])
    write_safetensors(os.path.join(OUT, 'tiny.safetensors'), safe, {'format': 'pt', 'source': 'hand-written'})
    expected['tiny.safetensors'] = {'format': 'safetensors', 'meta': {},
                                    'tensors': {k: describe(v) for k, v in safe.items()}}

    torch.save({'net': sd, 'acc': Evil()}, os.path.join(OUT, 'malicious.zip.pt'))
    torch.save({'net': sd, 'acc': Evil()}, os.path.join(OUT, 'malicious.legacy.t7'), _use_new_zipfile_serialization=False)

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
