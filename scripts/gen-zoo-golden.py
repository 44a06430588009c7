"""Writes test/fixtures/zoo-golden.json: facts about the 41 named models of the ORIGINAL iotnets PyTorch code.

For every model (10 classes; the class-dependent ProbeNet_d_* also at 100 and 1000; synthetic nets at two argument
settings) it records the state_dict element count, its keys with shapes, the output shape and the FLOPs under the
paper's per-module rule, measured with forward hooks on a real forward pass. test/zoo-models.test.ts compares the
TypeScript graphs against it.

Before writing, the hook counter is checked against the paper's NetConfigs.json (params and flops) for one catalog
network of every space, so the fixture's FLOPs follow the same rule as the published numbers.

Run from the repository root with the Debian PyTorch:
    /usr/bin/python3 scripts/gen-zoo-golden.py /tmp/iotnets-orig
where the argument is a checkout of IBM/iotnets. The shared reference data is read from ../shared beside the
repository, or from $IOTNETS_SHARED.
"""

import hashlib
import importlib
import importlib.abc
import importlib.util
import json
import os
import pathlib
import sys

import numpy as np
import torch
import torch.nn as nn

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "zoo-golden.json"
SHARED = pathlib.Path(os.environ.get("IOTNETS_SHARED", ROOT.parent / "shared"))

# Models whose full key list is stored; the others store a digest of it (keeps the fixture small).
FULL_KEYS = {
    "ProbeNet_d_feature", "ProbeNet_d_length", "ProbeNet_d_mlp", "ProbeNet_s", "ProbeNet_s_deep", "ProbeNet_s_fat",
    "ProbeNet_s_nr_deep", "ProbeNet_s_nr_shallow", "ProbeNet_s_shallow", "ProbeNet_s_slim",
    "SynthWide", "SynthWide256", "SynthWideAndLong",
    "VGG11", "PreActResNet18", "SENet18", "DPN26", "ResNet18", "ResNet50", "ResNeXt29_32x4d", "PNASNetA", "PNASNetB",
    "densenet_cifar",
}
# Input height/width each model was written for (the synthetic nets' comments saying 32x32 are wrong).
INPUT_SIZE = {"SynthWide": 64, "SynthWideAndLong": 64, "SynthWide256": 512}
SYNTH_ARGS = {
    "SynthWide": [{"f": 1}, {"f": 2}],
    "SynthWideAndLong": [{"f": 1, "l": 1}, {"f": 2, "l": 3}],
    "SynthWide256": [{"f": 1}, {"f": 2}],
}
CLASS_DEPENDENT = ["ProbeNet_d_feature", "ProbeNet_d_length", "ProbeNet_d_mlp"]
# One catalog network per space, to check the hook counter against the published params and flops.
CATALOG_CHECKS = [("random_net_densenet", "s1", 0), ("random_net_googlenet", "s1", 0), ("random_net_mobilenetv2", "s1", 0),
                  ("random_net_pnasnet", "s1", 0), ("random_net_resnext", "s1", 0)]


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `diac_h2h.networks.pytorch.X` (the authors' package name) as the checkout's `networks.X`."""

    PREFIX = "diac_h2h.networks.pytorch"

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.PREFIX or fullname.startswith(self.PREFIX + ".") or self.PREFIX.startswith(fullname + "."):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        if spec.name.startswith(self.PREFIX):
            return importlib.import_module("networks" + spec.name[len(self.PREFIX):])
        return None

    def exec_module(self, module):
        if module.__name__.startswith(self.PREFIX) and not hasattr(module, "__path__"):
            module.__path__ = []


def load_original(repo):
    sys.path.insert(0, str(pathlib.Path(repo).resolve()))
    sys.meta_path.insert(0, AliasFinder())
    return importlib.import_module("networks.networks")


def measure(net, size):
    """state_dict facts, output shape and paper FLOPs per sample of `net` on a [1,3,size,size] input."""
    flops = [0]

    def count(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            n = output.numel() * (module.in_channels // module.groups) * kh * kw
            flops[0] += n + (output.numel() if module.bias is not None else 0)
        elif isinstance(module, nn.Linear):
            flops[0] += module.in_features * module.out_features
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            flops[0] += 2 * output.numel()
        elif isinstance(module, nn.ReLU):
            flops[0] += output.numel()
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            flops[0] += inputs[0].numel()

    hooks = [module.register_forward_hook(count) for module in net.modules()]
    net.eval()
    with torch.no_grad():
        out = net(torch.zeros(1, 3, size, size))
        for hook in hooks:
            hook.remove()
        # A batch of two must give two rows: a view(-1, k) that merges samples would show here.
        assert net(torch.zeros(2, 3, size, size)).shape[0] == 2, "flatten merges batch samples"
    sd = net.state_dict()
    return {
        "stateDictElements": sum(t.numel() for t in sd.values()),
        "outputShape": list(out.shape[1:]),
        "flops": flops[0],
        "keys": [[k, list(t.shape)] for k, t in sd.items()],
    }


def key_digest(keys):
    """sha256 over 'key shape' lines, shape comma-joined (test/zoo-models.test.ts computes the same)."""
    text = "".join(f"{k} {','.join(map(str, s))}\n" for k, s in keys)
    return hashlib.sha256(text.encode()).hexdigest()


def check_catalog(nets):
    entries = json.loads((SHARED / "paper-data" / "NetConfigs.json").read_text())
    for space, law, net_id in CATALOG_CHECKS:
        entry = next(e for e in entries if e["spacename"] == space and e["law"] == law and e["id"] == net_id)
        args = nets.sample_from_law(space, nets.get_law_config(space, law), net_id)
        got = measure(nets.build(space, 10, args), 32)
        assert got["stateDictElements"] == entry["params"], (space, got["stateDictElements"], entry["params"])
        assert got["flops"] == entry["flops"], (space, got["flops"], entry["flops"])
        print(f"hook counter matches NetConfigs.json for {space} {law} {net_id}: flops {got['flops']}", file=sys.stderr)


def class_dependent_sizes(max_classes):
    """Layer widths the ProbeNet_d_* constructors derive from the class count, exactly as written there."""
    rows = []
    for c in range(1, max_classes + 1):
        rows.append([
            int(round(8 * np.log10(c))), int(round(4 * np.sqrt(c))),  # ProbeNet_d_feature f1, f2
            int(round(np.log10(c))), int(round((c + 2 * 2 * 64) / 2)),  # ProbeNet_d_length rep, num_middle
            round(32 * 32 * .75 + .25 * c), round(32 * 32 * .5 + .5 * c), round(32 * 32 * .25 + .75 * c),  # ProbeNet_d_mlp
        ])
    return rows


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else "/tmp/iotnets-orig"
    nets = load_original(repo)
    check_catalog(nets)
    cases = []
    for name in nets.KUANGLIU_NETS + nets.PROBE_NETS + nets.SYNTH_NETS:
        for args in SYNTH_ARGS.get(name, [None]):
            for num_classes in [10, 100, 1000] if name in CLASS_DEPENDENT else [10]:
                size = INPUT_SIZE.get(name, 32)
                got = measure(nets.build(name, num_classes, args), size)
                keys = got.pop("keys")
                case = {"name": name, "numClasses": num_classes, "args": args or {}, "inputSize": size, **got,
                        "keyDigest": key_digest(keys)}
                if name in FULL_KEYS:
                    case["keys"] = keys
                cases.append(case)
                print(name, num_classes, args or "", got["stateDictElements"], got["flops"], file=sys.stderr)
    fixture = {
        "source": "IBM/iotnets networks/{networks,probenets,synthnets}.py run with PyTorch " + torch.__version__,
        "models": cases,
        "classDependentSizes": {
            "columns": ["feature.f1", "feature.f2", "length.rep", "length.numMiddle", "mlp.n1", "mlp.n2", "mlp.n3"],
            "fromClasses": 1,
            "rows": class_dependent_sizes(1000),
        },
    }
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
