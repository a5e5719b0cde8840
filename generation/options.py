"""Validation of user-chosen options (pages and API share it): training, generation, products.

Each function takes loosely typed input and returns clean, JSON-safe options or raises a
ValidationError naming the field, so a bad option is refused before anything is queued.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from .products import MAGNIFY_SCALES, PAPER_SIZES, POSTER_DPIS

# Names shown to staff -> the core's variant names (the paper's ablation).
VARIANT_CHOICES = [
    ("improved", "Both: self-attention + bilinear upsampling (the improved model)"),
    ("attention", "Self-attention only"),
    ("bilinear", "Bilinear upsampling only"),
    ("baseline", "Baseline CycleGAN"),
]
IMAGE_SIZES = (32, 64, 128, 256, 384, 512)
GENERATOR_WIDTHS = (8, 16, 32, 64)
MAX_MAGNIFIED_SIDE = 8192


def _int(data: dict, key: str, default: int, low: int, high: int, errors: dict) -> int:
    value = data.get(key, default)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[key] = f"{key} must be a whole number."
        return default
    if not low <= number <= high:
        errors[key] = f"{key} must be between {low} and {high}."
    return number


def training_config(options: dict) -> dict:
    """TrainConfig fields (no folders, no device: the worker sets those) from the form's options."""
    errors: dict[str, str] = {}
    variant = options.get("variant") or "improved"
    if variant not in dict(VARIANT_CHOICES):
        errors["variant"] = f"Choose one of {', '.join(dict(VARIANT_CHOICES))}."
    size = _int(options, "image_size", 256, 32, 512, errors)
    if size not in IMAGE_SIZES:
        errors["image_size"] = f"Choose one of {', '.join(map(str, IMAGE_SIZES))}."
    iterations = _int(options, "iterations", 2000, 1, 1_000_000, errors)
    decay = _int(options, "decay_iterations", iterations, 0, 1_000_000, errors)
    batch = _int(options, "batch_size", 1, 1, 64, errors)
    seed = _int(options, "seed", 0, 0, 2**31 - 1, errors)
    ngf = _int(options, "ngf", 64, 8, 64, errors)
    if ngf not in GENERATOR_WIDTHS:
        errors["ngf"] = f"Choose one of {', '.join(map(str, GENERATOR_WIDTHS))}."
    blocks = _int(options, "n_blocks", 9 if size >= 256 else 6, 1, 12, errors)
    if errors:
        raise ValidationError(errors)
    total = iterations + decay
    from generation.gan.options import VARIANTS

    return {
        "load_size": round(size * 1.12 / 4) * 4,  # CycleGAN's 286/256 resize-then-crop
        "crop_size": size,
        "model": {**VARIANTS[variant], "ngf": ngf, "ndf": ngf, "n_blocks": blocks,
                  "attention_heads": 8 if ngf >= 16 else 4},
        "variant": variant,  # not a TrainConfig field (from_dict ignores it); shown on pages
        "batch_size": batch,
        "iterations": iterations,
        "decay_iterations": decay,
        "seed": seed,
        # A checkpoint every ~10 % of the run bounds what a crash can lose; ~300 points draw the loss curves.
        "checkpoint_every": max(1, total // 10),
        "sample_every": max(1, total // 8),
        "log_every": max(1, total // 300),
    }


def output_size(value) -> int | None:
    """Long side of a generated image; None keeps the input's size."""
    if value in (None, "", "original"):
        return None
    errors: dict[str, str] = {}
    size = _int({"out_size": value}, "out_size", 0, 64, settings.GENERATION_MAX_OUTPUT_SIDE, errors)
    if errors:
        raise ValidationError(errors)
    return size


def output_dimensions(width: int, height: int, out_size: int | None) -> tuple[int, int]:
    """What the core will produce for an input of width × height (its rule: long side = out_size)."""
    if out_size is None:
        return width, height
    scale = out_size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def product_options(kind: str, options: dict, *, source) -> dict:
    errors: dict[str, str] = {}
    options = options or {}
    if kind == "poster":
        paper = options.get("paper") or "A4"
        if paper not in PAPER_SIZES:
            errors["paper"] = f"Choose one of {', '.join(PAPER_SIZES)}."
        dpi = _int(options, "dpi", 300, 72, 600, errors)
        if dpi not in POSTER_DPIS:
            errors["dpi"] = f"Choose one of {', '.join(map(str, POSTER_DPIS))}."
        orientation = options.get("orientation") or "auto"
        if orientation not in ("auto", "portrait", "landscape"):
            errors["orientation"] = "Choose auto, portrait or landscape."
        model = source.job.style_model
        cleaned = {"paper": paper, "dpi": dpi, "orientation": orientation,
                   "title": (options.get("title") or model.domain.name)[:120],
                   "credit": (options.get("credit") or
                              f"{model.name} v{model.version} · {source.institution.name}")[:200]}
    elif kind == "pattern":
        method = options.get("method") or "blend"
        if method not in ("blend", "mirror"):
            errors["method"] = "Choose blend or mirror."
        cleaned = {"method": method, "tile_px": _int(options, "tile_px", 512, 64, 2048, errors)}
    elif kind == "sticker":
        cleaned = {"border_px": _int(options, "border_px", 8, 0, 64, errors)}
    elif kind == "magnified":
        scale = _int(options, "scale", 2, 2, 4, errors)
        if scale not in MAGNIFY_SCALES:
            errors["scale"] = "Choose 2 or 4."
        elif max(source.width, source.height) * scale > MAX_MAGNIFIED_SIDE:
            errors["scale"] = f"×{scale} would exceed {MAX_MAGNIFIED_SIDE} px; magnify a smaller result."
        cleaned = {"scale": scale}
    else:
        raise ValidationError({"kind": "Unknown product kind."})
    if errors:
        raise ValidationError(errors)
    return cleaned
