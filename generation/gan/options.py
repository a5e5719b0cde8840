"""Configuration dataclasses for the generation core.

Every field says what it changes.  Defaults reproduce the CycleGAN paper's
recipe (least-squares GAN, lambda_cyc=10, lambda_idt=0.5, pool 50, Adam 2e-4
with beta1=0.5, constant learning rate then linear decay to zero) with the
improved generator (self-attention + bilinear upsampling) switched on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

Upsample = Literal["transpose", "bilinear"]

# The four architectures of the ablation (the paper's Table 2 in spirit).
VARIANTS: dict[str, dict[str, Any]] = {
    "baseline": {"attention": False, "upsample": "transpose"},
    "attention": {"attention": True, "upsample": "transpose"},
    "bilinear": {"attention": False, "upsample": "bilinear"},
    "improved": {"attention": True, "upsample": "bilinear"},
}


@dataclass
class ModelConfig:
    """Architecture of the generators and discriminators."""

    ngf: int = 64  # generator width of the first conv; 64 = 11.378 M parameters with 9 blocks
    ndf: int = 64  # discriminator width; 64 = 2.765 M parameters (70x70 PatchGAN)
    n_blocks: int = 9  # residual blocks at 4*ngf channels (9 for 256 px, 6 for 128 px in CycleGAN)
    n_layers_d: int = 3  # PatchGAN depth; 3 gives the 70x70 receptive field
    attention: bool = True  # multi-head self-attention between encoder and residual blocks
    attention_heads: int = 8  # heads of that block; 4*ngf must divide by it
    upsample: Upsample = "bilinear"  # decoder: 'transpose' (CycleGAN) or 'bilinear' + 3x3 conv
    input_nc: int = 3
    output_nc: int = 3
    # How reflection padding is computed; both give identical values.  'native' is
    # nn.ReflectionPad2d as in the original code; its backward is a scatter that took a third
    # of the GPU time of a compiled training step.  'slices' concatenates flipped slices, whose
    # backward is plain slicing and adds.
    pad_impl: Literal["native", "slices"] = "slices"

    @classmethod
    def variant(cls, name: str, **overrides: Any) -> ModelConfig:
        """Named ablation variant: baseline | attention | bilinear | improved."""
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; choose from {sorted(VARIANTS)}")
        return cls(**{**VARIANTS[name], **overrides})

    @property
    def variant_name(self) -> str:
        for name, switches in VARIANTS.items():
            if switches == {"attention": self.attention, "upsample": self.upsample}:
                return name
        return "custom"


@dataclass
class TrainConfig:
    """One training run.  Plain data, so it round-trips through JSON and checkpoints."""

    # data
    data_a: str = ""  # folder of domain-A images (photos)
    data_b: str = ""  # folder of domain-B images (paper-cuts)
    load_size: int = 286  # images are resized so the short side is this, then cropped
    crop_size: int = 256  # training patch size
    flip: bool = True  # random horizontal flips
    cache_images: bool = True  # decode each file once and keep it in RAM (small data sets)
    num_workers: int = 4  # data-loader worker processes (0 = load in the main process)

    # model and losses
    model: ModelConfig = field(default_factory=ModelConfig)
    lambda_cyc: float = 10.0  # weight of the cycle-consistency L1 loss
    lambda_idt: float = 0.5  # identity loss weight, relative to lambda_cyc (0 disables)
    pool_size: int = 50  # history of generated images shown to the discriminators

    # optimisation
    batch_size: int = 1  # per process (per GPU under DDP)
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    iterations: int = 1000  # iterations at constant learning rate
    decay_iterations: int = 1000  # further iterations with the learning rate going linearly to 0
    seed: int = 0  # seeds weights, data order/augmentation and the image pool

    # speed (all numerically equivalent except precision)
    device: str = "auto"  # 'auto' = cuda if available, else cpu
    precision: Literal["fp32", "bf16"] = "bf16"  # bf16 autocast on CUDA; CPU always runs fp32
    channels_last: bool = True  # NHWC memory layout on CUDA (faster convolutions on tensor cores)
    compile: bool = False  # torch.compile each network
    compile_mode: str = "default"  # e.g. 'max-autotune-no-cudagraphs', 'reduce-overhead' (CUDA graphs)
    fused_adam: bool = True  # single-kernel Adam on CUDA
    merge_forwards: bool = True  # run G(x) and the identity G(y) as one batch (same maths, fewer launches)
    # Capture the whole iteration (G and D forward/backward, both Adam steps) as one CUDA graph after
    # graph_warmup eager iterations, then replay it: removes the host's launch overhead (CUDA only,
    # single process; ignored on CPU and under torchrun).  Same maths; Adam runs capturable/fused.
    cuda_graph: bool = False
    graph_warmup: int = 3
    # cuDNN tries its convolution algorithms once per shape and keeps the fastest (training shapes are
    # fixed, so this pays after the first iteration).  CUDA only; not bit-reproducible between runs.
    cudnn_benchmark: bool = True
    # Attention kernels for the self-attention block: 'auto' (PyTorch's choice; cuDNN's on an H200 with
    # torch 2.11) or one of 'flash', 'cudnn', 'efficient', 'math' (same function; CUDA only).
    attention_backend: str = "auto"

    # bookkeeping
    out_dir: str = "runs/gan"  # checkpoints, samples and the event log go here
    checkpoint_every: int = 500  # iterations between checkpoints (0 = only at the end)
    sample_every: int = 500  # iterations between A->B->A sample grids (0 = never)
    log_every: int = 10  # iterations between 'progress' events
    keep_checkpoints: int = 2  # older periodic checkpoints are deleted

    @property
    def total_iterations(self) -> int:
        return self.iterations + self.decay_iterations

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        model = ModelConfig(**data.pop("model", {}))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(model=model, **{k: v for k, v in data.items() if k in known})
