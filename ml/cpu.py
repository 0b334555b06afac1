"""What the CPU can do, read from /proc/cpuinfo (no TensorFlow import)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The feature flags of the first CPU, or an empty set where /proc/cpuinfo is absent."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def bf16_supported() -> bool:
    """True where the CPU runs bfloat16 matrix maths natively (AMX or AVX512-BF16)."""
    return any(flag in cpu_flags() for flag in BF16_FLAGS)


INT8_FLAGS = ("amx_int8", "avx512_vnni", "avx_vnni", "avx512f", "avx2")


def cpu_description() -> str:
    """The CPU's model name, core count and its best int8 instruction set, e.g. 'AMD EPYC, 2 cores,
    avx2': speeds measured here hold for such a CPU only."""
    import os

    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    name = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                "unknown CPU")
    best = next((flag for flag in INT8_FLAGS if flag in cpu_flags()), "no AVX2")
    return f"{name}, {os.cpu_count()} cores, {best}"
