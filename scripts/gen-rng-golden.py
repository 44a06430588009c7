"""Writes test/fixtures/rng-golden.json: outputs of NumPy's legacy np.random.RandomState that test/rng.test.ts replays draw for draw.

Run from the repository root: python3 scripts/gen-rng-golden.py
"""

import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "rng-golden.json"

SEEDS = [0, 1, 2, 42, 687, 2**31 - 1, 2**32 - 1, 3, 97, 4096, 65537, 1234567, 98765432, 3141592653, 4000000007]

# (low, high) pairs for randint; high None means randint(low) i.e. [0, low).
RANGES = [
    (5, 6),  # range 1: no draws at all
    (0, 2),
    (0, 3),
    (0, 256),
    (0, 257),
    (0, 2**16 + 1),
    (0, 2**32),  # rng = 0xFFFFFFFF: raw 32-bit draws
    (0, 2**32 + 1),  # first range needing 64-bit draws
    (16, 1024),
    (-10, 10),
    (-5, -2),
    (-(2**31), 2**31),
    (0, 2**40),
    (-(2**40), 3),
    (0, 2**53),
    (-(2**52), 2**52),
    (1000, None),
]


def mt19937_streams():
    """Raw tempered 32-bit outputs (randint over [0, 2^32) returns them unchanged), long enough to regenerate the state twice."""
    return {str(seed): [int(v) for v in np.random.RandomState(seed).randint(0, 2**32, 1300)] for seed in (0, 1, 5489, 2**32 - 1)}


class Recorder:
    """Runs calls on one RandomState and records [op, args, output] for each."""

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)
        self.calls = []

    def randint(self, low, high, size):
        out = self.rs.randint(low, high, size) if high is not None else self.rs.randint(low, size=size)
        self.calls.append(["randint", [low, high, size], int(out) if size is None else [int(v) for v in out]])

    def choice(self, a, size):
        self.calls.append(["choice", [a, size], [v.item() for v in self.rs.choice(a, size)]])

    def shuffle(self, a):
        x = np.array(a)
        self.rs.shuffle(x)
        self.calls.append(["shuffle", [a], [v.item() for v in x]])

    def random_sample(self, size):
        out = self.rs.random_sample(size)
        self.calls.append(["random_sample", [size], float(out) if size is None else [float(v) for v in out]])

    def standard_normal(self, size):
        out = self.rs.standard_normal(size)
        self.calls.append(["standard_normal", [size], float(out) if size is None else [float(v) for v in out]])

    def standard_normal_f32(self, size):
        self.calls.append(["standard_normal_f32", [size], [float(v) for v in self.rs.standard_normal(size).astype(np.float32)]])


def sequence(seed, k):
    """Interleaved calls on one RandomState; k varies the sizes between seeds."""
    r = Recorder(seed)
    # As the iotnets samplers do.
    r.choice([0, 1], 4)
    r.randint(16, 1024, 5)
    r.shuffle([2, 2, 2, 1, 1, 1, 1])
    for i, (low, high) in enumerate(RANGES):
        r.randint(low, high, (i + k) % 20 + 1)
        if high is not None:
            r.randint(low, high, None)
    r.standard_normal(3)  # leaves the fourth value cached ...
    r.random_sample(None)  # ... which uniform draws do not touch ...
    r.standard_normal(None)  # ... and this returns.
    r.random_sample(5)
    r.standard_normal(None)
    r.randint(0, 10, 3)
    r.standard_normal(None)  # cached value from before the randint
    r.standard_normal(6)
    r.standard_normal_f32(7)
    for n in (0, 1, 2, 3, 10, 33):
        r.shuffle(list(range(n)))
    r.choice(list(range(10, 17)), (k % 20) + 1)
    r.choice(["a", "b", "c"], 6)
    r.randint(0, 257, 300)  # many rejections, crosses a state regeneration
    return {"seed": seed, "calls": r.calls}


def main():
    golden = {"mt19937": mt19937_streams(), "sequences": [sequence(seed, k) for k, seed in enumerate(SEEDS)]}
    lines = ["{", '"mt19937": ' + json.dumps(golden["mt19937"]) + ",", '"sequences": [']
    lines.append(",\n".join(json.dumps(s) for s in golden["sequences"]))
    lines += ["]", "}"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
