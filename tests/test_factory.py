"""The app factory (dash_app/factory.py): a serving process never imports TensorFlow."""

import subprocess
import sys


def test_factory001_no_tensorflow_in_the_serving_process(tiny_artifacts, png, tmp_path):
    _, out = tiny_artifacts
    image = tmp_path / "a.png"
    image.write_bytes(png())
    code = (
        "import sys, io\n"
        "from dash_app import create_app, AppConfig\n"
        f"app = create_app(AppConfig(artifacts_dir={str(out)!r}))\n"
        "c = app.server.test_client()\n"
        "assert c.get('/').status_code == 200\n"
        "assert c.get('/api/health').status_code == 200\n"
        f"img = open({str(image)!r}, 'rb').read()\n"
        "r = c.post('/api/predict', data={'file': [(io.BytesIO(img), 'a.png')]}, content_type='multipart/form-data')\n"
        "assert r.status_code == 200, r.data\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
