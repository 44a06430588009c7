"""Exports third-party CNN classifiers to ONNX with PyTorch's own exporter, for `iotnets` import tests and benchmarks.

Every model gets random weights (torchvision `weights=None`, no download) and realistic BatchNorm statistics, is
exported in eval mode, and is recorded in OUT/manifest.json with what PyTorch says about it: parameter count,
state_dict element count and multiply-accumulates from forward hooks on Conv2d and Linear (per sample).

    /usr/bin/python3 scripts/gen-onnx-fixtures.py OUT [--set test|bench] [--paper IBM-iotnets-checkout]

`--set test` (default) writes the five torchvision classifiers the tests import, at CIFAR size, covering opset 11 and
17, dynamic and fixed batch, and PyTorch's two BatchNorm treatments (kept, or folded into the convolutions);
`--set bench` writes a wider third-party set at several input sizes for `npm run bench:predict`. With `--paper`, the
paper's own networks are built from the original code's definitions and exported too (test/fixtures/onnx/ holds
those, committed: they are small). Deterministic: the same seed gives the same files.
"""

import argparse
import importlib
import json
import os
import pathlib
import sys

import torch
import torch.nn as nn
import torchvision.models as tvm

KEEP_BN = torch.onnx.TrainingMode.PRESERVE  # eval-mode model: BatchNormalization nodes with running statistics
FOLD_BN = torch.onnx.TrainingMode.EVAL  # PyTorch folds each BatchNorm into the convolution before it

class OpMix(nn.Module):
    """A small classifier using the ops the torchvision set lacks: asymmetric padding, dilation, LeakyReLU, HardSwish,
    scalar arithmetic, average pooling in ceil mode without the padding, channel split, spatial mean, MatMul, Softmax."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))
        self.conv1 = nn.Conv2d(3, 16, 3, stride=2, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2)
        self.conv3 = nn.Conv2d(16, 24, 1)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.weight = nn.Parameter(torch.randn(24, num_classes) * 0.1)

    def forward(self, x):
        x = nn.functional.leaky_relu(self.bn1(self.conv1(self.pad(x))), 0.1)
        a, b = x.chunk(2, dim=1)
        x = torch.cat([a, nn.functional.hardswish(self.conv2(b))], 1)
        x = self.pool(self.conv3(x) * 0.5 + 1.0)
        x = x.mean(dim=(2, 3))
        return torch.softmax(x @ self.weight, dim=1)


class ChannelsLast(nn.Module):
    """A classifier taking [N,H,W,C] images as TensorFlow exports do: the network transposes them to [N,C,H,W] first."""

    channels_last = True

    def __init__(self, num_classes=10):
        super().__init__()
        self.net = tvm.squeezenet1_1(weights=None, num_classes=num_classes)

    def forward(self, x):
        return self.net(x.permute(0, 3, 1, 2))


class Upsampler(nn.Module):
    """A classifier with the transposed convolutions of decoders and segmentation heads: strided, grouped, with
    output_padding, dilation, a non-square kernel and with and without a bias."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.down = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.up1 = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.up2 = nn.ConvTranspose2d(8, 12, 4, stride=2, padding=1, bias=False)
        self.up3 = nn.ConvTranspose2d(12, 6, (3, 2), stride=(1, 2), dilation=(2, 1))
        self.fc = nn.Linear(6, num_classes)

    def forward(self, x):
        x = torch.relu(self.down(x))
        x = torch.relu(self.up1(x))
        x = torch.relu(self.up2(x))
        x = self.up3(x).mean(dim=(2, 3))
        return self.fc(x)


class Normalised(nn.Module):
    """Per-channel constant arithmetic on activations: a Keras-style input normalisation ((x - mean) / std), an unfused
    BatchNorm (conv * scale + shift), a per-channel offset subtracted, and per-class gains on the logits."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.mean = nn.Parameter(torch.tensor([0.49, 0.48, 0.45]).view(1, 3, 1, 1), requires_grad=False)
        self.std = nn.Parameter(torch.tensor([0.25, 0.24, 0.26]).view(1, 3, 1, 1), requires_grad=False)
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.scale = nn.Parameter(torch.rand(16, 1, 1) + 0.5)
        self.shift = nn.Parameter(torch.randn(16, 1, 1) * 0.1)
        self.conv2 = nn.Conv2d(16, 8, 3, stride=2)
        self.offset = nn.Parameter(torch.randn(1, 8, 1, 1) * 0.1)
        self.fc = nn.Linear(8, num_classes)
        self.gain = nn.Parameter(torch.rand(num_classes) + 0.5)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = torch.relu(self.conv1(x) * self.scale + self.shift)
        x = torch.relu(self.conv2(x) - self.offset).mean(dim=(2, 3))
        return self.fc(x) * self.gain


def example_input(net, size):
    """A batch of one in the layout the network takes."""
    return torch.zeros(1, size, size, 3) if getattr(net, "channels_last", False) else torch.zeros(1, 3, size, size)


# name: (constructor, input size, opset, dynamic batch, BatchNorm treatment)
TEST_SET = {
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(weights=None, num_classes=10), 32, 17, True, KEEP_BN),
    "resnet18": (lambda: tvm.resnet18(weights=None, num_classes=10), 32, 13, False, KEEP_BN),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(weights=None, num_classes=10), 32, 11, True, KEEP_BN),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(weights=None, num_classes=10), 32, 11, True, FOLD_BN),
    "shufflenet_v2_x0_5": (lambda: tvm.shufflenet_v2_x0_5(weights=None, num_classes=10), 32, 17, True, KEEP_BN),
    "opmix": (OpMix, 32, 17, True, KEEP_BN),
    "squeezenet1_1_nhwc": (ChannelsLast, 32, 13, True, KEEP_BN),
    "upsampler": (Upsampler, 16, 13, True, KEEP_BN),
    "normalised": (Normalised, 16, 17, True, KEEP_BN),
}

BENCH_MODELS = {
    "mobilenet_v2": lambda: tvm.mobilenet_v2(weights=None, num_classes=10),
    "mobilenet_v2_w05": lambda: tvm.mobilenet_v2(weights=None, num_classes=10, width_mult=0.5),
    "mobilenet_v3_small": lambda: tvm.mobilenet_v3_small(weights=None, num_classes=10),
    "mobilenet_v3_large": lambda: tvm.mobilenet_v3_large(weights=None, num_classes=10),
    "resnet18": lambda: tvm.resnet18(weights=None, num_classes=10),
    "resnet34": lambda: tvm.resnet34(weights=None, num_classes=10),
    "squeezenet1_0": lambda: tvm.squeezenet1_0(weights=None, num_classes=10),
    "squeezenet1_1": lambda: tvm.squeezenet1_1(weights=None, num_classes=10),
    "shufflenet_v2_x0_5": lambda: tvm.shufflenet_v2_x0_5(weights=None, num_classes=10),
    "shufflenet_v2_x1_0": lambda: tvm.shufflenet_v2_x1_0(weights=None, num_classes=10),
    "mnasnet0_5": lambda: tvm.mnasnet0_5(weights=None, num_classes=10),
    "efficientnet_b0": lambda: tvm.efficientnet_b0(weights=None, num_classes=10),
}
BENCH_SIZES = [32, 64]

# The paper's networks, from the original code: (file stem, space or model name, law, id)
PAPER_SET = [
    ("catalog_680", "random_net_mobilenetv2", "s6", 3),
    ("catalog_280", "random_net_densenet", "s3", 83),
    ("catalog_1230", "random_net_pnasnet", "s3", 13),
    ("catalog_1592", "random_net_resnext", "s3", 75),
    ("ProbeNet_s", "ProbeNet_s", None, None),
]


def realistic_statistics(net, seed):
    """BatchNorm running statistics and affine parameters away from their identity defaults, so folding shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)


def hook_macs(net, size):
    """Multiply-accumulates per sample of Conv2d, ConvTranspose2d and Linear layers, from forward hooks on a batch of one."""
    macs = [0]

    def count(module, inputs, output):
        if isinstance(module, OpMix):
            macs[0] += module.weight.numel()
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            macs[0] += output.numel() * (module.in_channels // module.groups) * kh * kw
        elif isinstance(module, nn.ConvTranspose2d):
            # Every input element meets every kernel tap of its group (as fvcore counts transposed convolutions).
            kh, kw = module.kernel_size
            macs[0] += inputs[0].numel() * (module.out_channels // module.groups) * kh * kw
        elif isinstance(module, nn.Linear):
            macs[0] += module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in net.modules()]
    with torch.no_grad():
        net(example_input(net, size))
    for h in hooks:
        h.remove()
    return macs[0]


def export(net, name, size, opset, dynamic, training, out, source):
    torch.manual_seed(0)
    net.eval()
    realistic_statistics(net, 0)
    path = out / f"{name}.onnx"
    x = torch.randn(example_input(net, size).shape)
    axes = {"input": {0: "N"}, "logits": {0: "N"}} if dynamic else None
    torch.onnx.export(net, x, str(path), opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes=axes, training=training, do_constant_folding=True)
    sd = net.state_dict()
    record = {
        "file": path.name,
        "source": source,
        "inputShape": [3, size, size],
        "inputLayout": "NHWC" if getattr(net, "channels_last", False) else "NCHW",
        "opset": opset,
        "dynamicBatch": dynamic,
        "batchNormFolded": training == FOLD_BN,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "stateDictElements": int(sum(t.numel() for t in sd.values())),
        "macs": int(hook_macs(net, size)),
    }
    print(name, size, record["parameters"], record["macs"], f"{path.stat().st_size} bytes", file=sys.stderr)
    return record


def load_original(repo):
    sys.path.insert(0, str(pathlib.Path(repo).resolve()))
    sys.argv = sys.argv[:1]
    spec = importlib.util.spec_from_file_location("gen_zoo_golden", pathlib.Path(__file__).with_name("gen-zoo-golden.py"))
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    return golden.load_original(repo)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--set", choices=["test", "bench"], default="test")
    parser.add_argument("--paper", help="checkout of IBM/iotnets: export the paper's own networks instead")
    a = parser.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    records = []
    if a.paper:
        nets = load_original(a.paper)
        for stem, name, law, net_id in PAPER_SET:
            args = nets.sample_from_law(name, nets.get_law_config(name, law), net_id) if law else None
            net = nets.build(name, 10, args)
            source = f"IBM/iotnets {name}" + (f" {law} id {net_id}" if law else "")
            records.append(export(net, stem, 32, 17, True, KEEP_BN, out, source))
    elif a.set == "test":
        for name, (make, size, opset, dynamic, training) in TEST_SET.items():
            records.append(export(make(), name, size, opset, dynamic, training, out, f"torchvision {name}"))
    else:
        for name, make in BENCH_MODELS.items():
            for size in BENCH_SIZES:
                records.append(export(make(), f"{name}_{size}", size, 17, True, KEEP_BN, out, f"torchvision {name}"))
    manifest = {"producer": f"PyTorch {torch.__version__}", "models": records}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
