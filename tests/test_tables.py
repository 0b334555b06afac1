"""The comparison table's rows and CSV (dash_app/tables.py)."""

from dash_app import tables
from tests.manifests import manifest, model, scores


def test_tables001_models_table_rows_and_their_csv():
    metrics = {**scores(0.91234), "macro_f1": 0.9}
    inference = {"runtime": "onnxruntime", "latency_ms_p50": 1.234, "latency_ms_p95": 2.0, "latency_runs": 10,
                 "throughput_ips": 2000.4, "batch_size": 64}
    found = manifest({"cnn": model(metrics=metrics, size_bytes=8_000_000, train_seconds=600, inference=inference)})
    row = tables.models_table_rows(found, ["cnn"])[0]
    assert row == {"model": "Neural network", "method": "CNN (Keras → ONNX)", "accuracy": 0.9123, "macro_f1": 0.9, "size_mb": 8.0, "train_minutes": 10.0,
                   "latency_ms": 1.23, "throughput_ips": 2000, "runtime": "onnxruntime"}
    csv_text = tables.rows_csv([row]).splitlines()
    assert csv_text[0].startswith("model,method,accuracy,macro_f1")
    assert csv_text[1].startswith("Neural network,CNN (Keras → ONNX),0.9123,0.9,8.0")
