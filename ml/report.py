"""Markdown tables of an artifacts folder, for the README (`python -m ml report`)."""

from __future__ import annotations

from ml.artifacts import MODEL_NAMES


def results_table(manifest: dict) -> str:
    """One row per model: test accuracy, macro-F1, training time, size and speed."""
    lines = ["| Model | Test accuracy | Macro-F1 | Training (2-core CPU) | Files on disk | One image | Batched |",
             "|---|---|---|---|---|---|---|"]
    for key, entry in manifest["models"].items():
        speed = entry["inference"]
        lines.append(
            f"| {MODEL_NAMES.get(key, key)} | {entry['metrics']['accuracy']:.2%} | "
            f"{entry['metrics']['macro_f1']:.2%} | {entry['train_seconds'] / 60:.1f} min | "
            f"{entry['size_bytes'] / 1e6:.1f} MB | {speed['latency_ms_p50']:.2f} ms ({speed['runtime']}) | "
            f"{speed['throughput_ips']:,.0f} img/s |")
    return "\n".join(lines)


def cnn_notes(manifest: dict) -> str:
    """Export parity and the ONNX-versus-Keras one-image speed-up."""
    cnn = manifest["models"].get("cnn")
    if not cnn:
        return ""
    parity = cnn["parity"]
    return (f"CNN: {cnn['epochs_run']} epochs, {cnn['precision']}, validation accuracy "
            f"{cnn['val_accuracy']:.2%}. ONNX export: {parity['top1_agreement']:.2%} top-1 agreement "
            f"with Keras on {parity['n_images']:,} test images (largest probability difference "
            f"{parity['max_abs_prob_diff']:.1e}); one image {cnn['inference']['latency_ms_p50']:.2f} ms "
            f"in onnxruntime vs {cnn['keras_inference']['latency_ms_p50']:.1f} ms with Keras `predict` "
            f"({cnn['onnx_speedup_one_image']:.0f}x).")


def ablation_table(manifest: dict) -> str:
    """The augmentation ablation, one row per training-set size ('' when it was not run)."""
    ablation = manifest.get("experiments", {}).get("augmentation")
    if not ablation:
        return ""
    lines = ["| Training images | Seeds | With augmentation | Without | Gain (points) |", "|---|---|---|---|---|"]
    for cell in ablation["cells"]:
        lines.append(f"| {cell['train_images']:,} | {len(cell['with'])} | {_mean_ci(cell['with'], cell['with_ci95'])} | "
                     f"{_mean_ci(cell['without'], cell['without_ci95'])} | {cell['gain_points']:+.1f} |")
    return "\n".join(lines)


def _mean_ci(values: list[float], ci: list[float] | None) -> str:
    mean = sum(values) / len(values)
    return f"{mean:.2%}" + (f" (95% CI {ci[0]:.2%}–{ci[1]:.2%})" if ci else "")
