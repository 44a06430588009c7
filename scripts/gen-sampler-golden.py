"""Writes test/fixtures/sampler-golden.json: what the ORIGINAL iotnets samplers return, for test/zoo-spaces.test.ts.

For every search space and law it records sample(get_config(law), id) for ids 0..30 and a few large ids, and, for the
spaces the paper's catalog does not cover, the state_dict element count of real PyTorch instances of a few members.

Run from the repository root with the system PyTorch and a checkout of the original repository:
    /usr/bin/python3 scripts/gen-sampler-golden.py /tmp/iotnets-orig
"""

import importlib
import json
import pathlib
import sys
import types

OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "sampler-golden.json"

SPACES = {
    "random_net_densenet": ["s1", "s2", "s3"],
    "random_net_googlenet": ["s1", "s2", "s3", "s4", "s5", "s6"],
    "random_net_mobilenetv2": ["s1", "s2", "s3", "s4", "s5", "s6"],
    "random_net_pnasnet": ["s1", "s2", "s3"],
    "random_net_probenet_s": ["s0", "s1", "s2", "s3"],
    "random_net_resnet": ["s1", "s2", "s3", "s4", "s5"],
    "random_net_resnext": ["s1", "s2", "s3"],
}
IDS = list(range(31)) + [1000, 123456789, 2**31 - 1, 2**32 - 1]
# Members instantiated in PyTorch to count state_dict elements; the catalog (checked against the paper's params) covers the
# other spaces and laws.
STATE_DICT_CHECKS = [("random_net_resnet", law, range(31)) for law in SPACES["random_net_resnet"]] + \
    [("random_net_probenet_s", law, range(31)) for law in SPACES["random_net_probenet_s"]] + \
    [("random_net_googlenet", law, range(31)) for law in ["s4", "s5", "s6"]]

# One small member per space whose full state_dict (keys in order, shapes) is recorded; "cell_types" overrides the
# sampled PNASNet cells with CellB, which no law samples.
KEY_CHECKS = [("random_net_densenet", "s3", 0, {}), ("random_net_googlenet", "s6", 0, {}), ("random_net_mobilenetv2", "s6", 0, {}),
              ("random_net_pnasnet", "s3", 0, {}), ("random_net_pnasnet", "s3", 1, {"cell_types": [1]}),
              ("random_net_probenet_s", "s2", 0, {}), ("random_net_resnet", "s5", 0, {}), ("random_net_resnext", "s3", 0, {})]


def load_spaces(repo):
    """Imports networks/iotnets from the checkout, serving the authors' `diac_h2h.networks.pytorch` package as `networks`."""
    sys.path.insert(0, str(pathlib.Path(repo).resolve()))
    kuangliu = importlib.import_module("networks.thirdparty.kuangliu_models")
    sys.modules["diac_h2h"] = types.ModuleType("diac_h2h")
    sys.modules["diac_h2h.networks"] = types.ModuleType("diac_h2h.networks")
    sys.modules["diac_h2h.networks.pytorch"] = importlib.import_module("networks")
    sys.modules["diac_h2h.networks.pytorch.thirdparty"] = importlib.import_module("networks.thirdparty")
    sys.modules["diac_h2h.networks.pytorch.thirdparty.kuangliu_models"] = kuangliu
    for block in ["densenet", "googlenet", "mobilenetv2", "pnasnet", "resnet", "resnext"]:
        sys.modules[f"diac_h2h.networks.pytorch.thirdparty.kuangliu_models.{block}"] = importlib.import_module(
            f"networks.thirdparty.kuangliu_models.{block}")
    return {name: importlib.import_module(f"networks.iotnets.{name}") for name in SPACES}


def plain(value):
    """NumPy arrays, tuples and scalars as plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def sample_args(module, law, net_id):
    """The original sample(), as iotnets args: googlenet's bare cfg list becomes {"cfg": cfg}."""
    args = module.sample(module.get_config(law), net_id)
    return plain(args if isinstance(args, dict) else {"cfg": args})


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else "/tmp/iotnets-orig"
    modules = load_spaces(repo)
    samples = {space: {law: {str(i): sample_args(modules[space], law, i) for i in IDS} for law in laws} for space, laws in SPACES.items()}

    state_dicts = []
    for space, law, ids in STATE_DICT_CHECKS:
        module = modules[space]
        for net_id in ids:
            raw = module.sample(module.get_config(law), net_id)
            net = module.get_instance(raw, 10)
            elements = sum(t.numel() for t in net.state_dict().values())
            state_dicts.append({"space": space, "law": law, "id": net_id, "stateDictElements": int(elements)})
            del net

    key_checks = []
    for space, law, net_id, override in KEY_CHECKS:
        module = modules[space]
        raw = module.sample(module.get_config(law), net_id)
        raw = {**raw, **override} if isinstance(raw, dict) else raw
        net = module.get_instance(raw, 10)
        key_checks.append({"space": space, "args": plain(raw if isinstance(raw, dict) else {"cfg": raw}),
                           "stateDict": [[k, list(t.shape)] for k, t in net.state_dict().items()]})

    text = json.dumps({"ids": IDS, "samples": samples, "stateDicts": state_dicts, "keyChecks": key_checks}, separators=(",", ":"))
    OUT.write_text(text + "\n")
    print(f"wrote {OUT} ({len(text)} bytes, {len(state_dicts)} state_dict counts)")


if __name__ == "__main__":
    main()
