"""End to end in headless Chromium with dash[testing]'s dash_duo."""

import json
import shutil
from pathlib import Path

import pytest
from dash.testing.wait import until
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains

from dash_app import AppConfig, create_app
from layouts.catalogue import DIV_CATALOGUE_REVIEW, DROPDOWN_CATALOGUE_CLASS, PAGINATION_CATALOGUE_REVIEW
from layouts.classifier import DIV_CLASSIFIER_RESULTS, UPLOAD_CLASSIFIER_IMAGES
from layouts.common import CONTAINER_PAGE
from layouts.data import CHECKLIST_DATA_SPLIT, GRAPH_DATA_DISTRIBUTION
from layouts.performance import DIV_MATRIX_GALLERY, GRAPH_CONFUSION_MATRIX

pytestmark = pytest.mark.browser

if not (shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("google-chrome"))):
    pytest.skip("chromium / chromedriver not installed (.ci/run installs them): skipping browser tests",
                allow_module_level=True)

PAGES = [("/", "Can machine learning sort product photos?"), ("/data", "The data"),
         ("/performance", "Model performance"), ("/classify", "Classify your own photos"),
         ("/catalogue", "Catalogue"), ("/hypotheses", "Hypotheses and results")]


@pytest.fixture
def served(dash_duo, tiny_artifacts):
    data, out = tiny_artifacts
    dash_duo.start_server(create_app(AppConfig(artifacts_dir=out, data_path=data)))
    return dash_duo


def _go(duo, path):
    duo.driver.get(duo.server_url + path)
    duo.wait_for_element(f"#{CONTAINER_PAGE} h2", timeout=15)


def _trace_count(duo, graph_id):
    return duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot'); return g && g.data ? g.data.length : -1;")


@pytest.fixture
def cat_photo(tmp_path):
    """A real photograph that ships with scikit-image (not from the dataset)."""
    from skimage import data
    path = tmp_path / "chelsea.jpg"
    Image.fromarray(data.chelsea()).save(path, quality=90)
    return path


def test_browser001_every_page_renders_without_console_errors(served):
    for path, heading in PAGES:
        _go(served, path)
        served.wait_for_contains_text(f"#{CONTAINER_PAGE} h2", heading, timeout=15)
    assert served.get_logs() == []


def test_browser002_filter_changes_the_charts(served):
    _go(served, "/data")
    served.wait_for_element(f"#{GRAPH_DATA_DISTRIBUTION} .main-svg", timeout=20)
    until(lambda: _trace_count(served, GRAPH_DATA_DISTRIBUTION) == 2, timeout=10)
    served.find_element(f"#{CHECKLIST_DATA_SPLIT} input[value='test']").click()
    until(lambda: _trace_count(served, GRAPH_DATA_DISTRIBUTION) == 1, timeout=10)
    assert served.get_logs() == []


def test_browser003_clicking_a_matrix_cell_opens_its_gallery(served):
    _go(served, "/performance")
    served.wait_for_element(f"#{GRAPH_CONFUSION_MATRIX} .nsewdrag", timeout=20)
    drag = served.find_element(f"#{GRAPH_CONFUSION_MATRIX} .nsewdrag")
    ActionChains(served.driver).move_to_element(drag).click().perform()
    served.wait_for_contains_text(f"#{DIV_MATRIX_GALLERY} h6", ": true ", timeout=15)
    heading = served.find_element(f"#{DIV_MATRIX_GALLERY} h6").text
    assert heading.startswith("Neural network") and ", predicted " in heading  # the matrix's model, named
    assert heading.endswith(("test images", "most confident first"))
    assert served.get_logs() == []


def test_browser004_upload_a_photo_and_a_text_file(served, cat_photo, tmp_path):
    _go(served, "/classify")
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    upload = served.find_element(f"#{UPLOAD_CLASSIFIER_IMAGES} input[type=file]")
    upload.send_keys(str(notes))
    served.wait_for_contains_text(f"#{DIV_CLASSIFIER_RESULTS}", "notes.txt", timeout=20)
    served.wait_for_contains_text(f"#{DIV_CLASSIFIER_RESULTS} .alert-danger", "not an image", timeout=5)
    upload = served.find_element(f"#{UPLOAD_CLASSIFIER_IMAGES} input[type=file]")
    upload.send_keys(str(cat_photo))  # the page keeps working after the bad file
    served.wait_for_contains_text(f"#{DIV_CLASSIFIER_RESULTS}", "chelsea.jpg", timeout=30)
    served.wait_for_element(f"#{DIV_CLASSIFIER_RESULTS} .js-plotly-plot", timeout=15)
    graphs = served.find_elements(f"#{DIV_CLASSIFIER_RESULTS} .js-plotly-plot")
    assert len(graphs) == 2  # probabilities per model, and the occlusion map
    assert served.find_element(f"#{DIV_CLASSIFIER_RESULTS} img.pixelated")
    assert served.get_logs() == []


def test_browser005_catalogue_review_queue_pages_and_filters(dash_duo, tiny_artifacts, tmp_path, write_image_folder):
    from ml.classify import classify_catalogue

    data, out = tiny_artifacts
    photos = write_image_folder(tmp_path / "photos", n_train=1, n_test=12)
    results = tmp_path / "results.csv"
    classify_catalogue([str(photos / "test")], results, out, workers=1, min_confidence=1.0, progress=False,
                       log=lambda *a: None)  # all but certain answers to review: more than a page
    import csv
    with results.open() as handle:
        review = sum(row["decision"] == "review" for row in csv.DictReader(handle))
    assert 24 < review <= 48
    dash_duo.start_server(create_app(AppConfig(artifacts_dir=out, data_path=data, classify_results=results)))
    _go(dash_duo, "/catalogue")
    dash_duo.wait_for_contains_text(f"#{DIV_CATALOGUE_REVIEW} h6", f"{review} photos of every class to review; 1–24",
                                    timeout=15)
    assert len(dash_duo.find_elements(f"#{DIV_CATALOGUE_REVIEW} img.photo")) == 24
    [page_two] = [a for a in dash_duo.find_elements(f"#{PAGINATION_CATALOGUE_REVIEW} .page-link") if a.text == "2"]
    dash_duo.driver.execute_script("arguments[0].click();", page_two)  # below the fold of the test window
    dash_duo.wait_for_contains_text(f"#{DIV_CATALOGUE_REVIEW} h6", f"25–{review} shown", timeout=10)
    assert len(dash_duo.find_elements(f"#{DIV_CATALOGUE_REVIEW} img.photo")) == review - 24
    dash_duo.select_dcc_dropdown(f"#{DROPDOWN_CATALOGUE_CLASS}", index=0)
    dash_duo.wait_for_contains_text(f"#{DIV_CATALOGUE_REVIEW} h6", "taken for", timeout=10)
    assert "1–" in dash_duo.find_element(f"#{DIV_CATALOGUE_REVIEW} h6").text  # a new filter starts at page 1
    assert dash_duo.get_logs() == []


def test_browser006_phone_menu_closes_once_a_page_is_chosen(served):
    from layouts.common import BUTTON_NAV_TOGGLE, COLLAPSE_NAV_MENU

    served.driver.set_window_size(390, 844)
    _go(served, "/")
    served.find_element(f"#{BUTTON_NAV_TOGGLE}").click()
    until(lambda: served.find_element("#link-nav-performance").is_displayed(), timeout=10)
    served.find_element("#link-nav-performance").click()
    served.wait_for_contains_text(f"#{CONTAINER_PAGE} h2", "Model performance", timeout=15)
    until(lambda: "show" not in served.find_element(f"#{COLLAPSE_NAV_MENU}").get_attribute("class"), timeout=10)
    assert not served.find_element("#link-nav-performance").is_displayed()


AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# Dash 4.4's own widgets set their ARIA inside Dash, out of the app's reach: a multi-select's name lists
# its chips in another order than shown, its hidden focus target is focusable, a slider's handle has no
# name (its label names the slider instead), and the upload's hidden file input has no label (the drop
# zone around it says what it is for). Everything else on every page is checked.
DASH_WIDGET_INTERNALS = [[".dash-dropdown"], [".dash-dropdown-focus-target"], [".dash-slider-thumb"],
                         [".upload-zone > input[type='file']"]]


def _axe_violations(duo) -> list[dict]:
    """axe-core's serious and critical violations of the page as it stands (WCAG 2.x A and AA rules)."""
    duo.driver.execute_script(AXE.read_text())
    result = duo.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run({exclude: arguments[0]}, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations), e => done([{id: 'axe failed', impact: 'critical', help: String(e)}]));",
        DASH_WIDGET_INTERNALS)
    return [{"rule": v["id"], "help": v["help"], "where": [n["target"] for n in v.get("nodes", [])][:3]}
            for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (make install-dev runs npm ci): "
                                               "skipping the accessibility checks")
@pytest.mark.parametrize("width", [1440, 390])
def test_browser007_every_page_passes_axe_core_at_laptop_and_phone_width(served, width):
    served.driver.set_window_size(width, 900)
    problems = {}
    for path, heading in PAGES:
        _go(served, path)
        served.wait_for_contains_text(f"#{CONTAINER_PAGE} h2", heading, timeout=15)
        served.wait_for_no_elements('[data-dash-is-loading="true"]', timeout=20)  # the callbacks have drawn
        violations = _axe_violations(served)
        if violations:
            problems[path] = violations
    assert not problems, json.dumps(problems, indent=1)
