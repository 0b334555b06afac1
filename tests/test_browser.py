"""End to end in headless Chromium with dash[testing]'s dash_duo."""

import base64
import json
import shutil
from pathlib import Path

import pytest
import requests
from dash.testing.wait import until
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.select import Select

from dash_app import AppConfig, create_app
from layouts.catalogue import DIV_CATALOGUE_REVIEW, PAGINATION_CATALOGUE_REVIEW, SELECT_CATALOGUE_CLASS
from layouts.classifier import DIV_CLASSIFIER_RESULTS, UPLOAD_CLASSIFIER_IMAGES
from layouts.common import CONTAINER_PAGE
from layouts.data import CHECKLIST_DATA_SPLIT, GRAPH_DATA_DISTRIBUTION
from layouts.performance import DIV_MATRIX_GALLERY, GRAPH_CONFUSION_MATRIX

pytestmark = pytest.mark.browser

if not (shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("google-chrome"))):
    pytest.skip("chromium / chromedriver not installed (.ci/run installs them): skipping browser tests",
                allow_module_level=True)

PAGES = [("/", "Can machine learning sort product photos?"), ("/data", "The data"),
         ("/explore", "Explore the data"), ("/performance", "Model performance"), ("/classify", "Classify your own photos"),
         ("/catalogue", "Catalogue"), ("/hypotheses", "Hypotheses and results")]


@pytest.fixture
def served(dash_duo, explored_artifacts):
    data, out = explored_artifacts  # every audit run, so that every page shows everything it can
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


@pytest.fixture
def catalogue_results(uncalibrated_artifacts, tmp_path, write_image_folder):
    """A catalogue run whose review queue fills more than one page (all but certain answers go to review:
    raw probabilities, which label smoothing keeps below 1.0)."""
    from ml.catalogue.classify import classify_catalogue

    photos = write_image_folder(tmp_path / "photos", n_train=1, n_test=12)
    results = tmp_path / "results.csv"
    classify_catalogue([str(photos / "test")], results, uncalibrated_artifacts[1], workers=1, min_confidence=1.0,
                       progress=False, log=lambda *a: None)
    return results


def test_browser005_catalogue_review_queue_pages_and_filters(dash_duo, tiny_artifacts, catalogue_results):
    data, out = tiny_artifacts
    results = catalogue_results
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
    classes = Select(dash_duo.find_element(f"#{SELECT_CATALOGUE_CLASS}"))
    classes.select_by_visible_text(classes.options[-1].text)  # the last class (the first choice is "any class")
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


def _axe_violations(duo) -> list[dict]:
    """axe-core's serious and critical violations of the whole page as it stands: every rule, no element
    excluded."""
    duo.driver.execute_script(AXE.read_text())
    result = duo.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document)"
        ".then(r => done(r.violations), e => done([{id: 'axe failed', impact: 'critical', help: String(e)}]));")
    return [{"rule": v["id"], "help": v["help"], "where": [n["target"] for n in v.get("nodes", [])][:3]}
            for v in result if v["impact"] in ("serious", "critical")]


needs_axe = pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (make install-dev runs npm ci): "
                                                        "skipping the accessibility checks")


def _check_axe(duo, where: str, problems: dict) -> None:
    duo.wait_for_no_elements('[data-dash-is-loading="true"]', timeout=20)
    violations = _axe_violations(duo)
    if violations:
        problems[where] = violations


@needs_axe
@pytest.mark.parametrize("width", [1440, 390])
def test_browser007_every_page_passes_axe_core_at_laptop_and_phone_width(served, width):
    served.driver.set_window_size(width, 900)
    problems = {}
    for path, heading in PAGES:
        _go(served, path)
        served.wait_for_contains_text(f"#{CONTAINER_PAGE} h2", heading, timeout=15)
        _check_axe(served, path, problems)  # once the callbacks have drawn
    assert not problems, json.dumps(problems, indent=1)


@needs_axe
@pytest.mark.parametrize("width", [1440, 390])
def test_browser010_pages_stay_accessible_after_their_main_interactions(served, width):
    from layouts.classifier import BUTTON_CLASSIFIER_EXAMPLE
    from layouts.explore import BUTTON_EXPLORE_IMAGE, MODAL_EXPLORE_IMAGE
    from layouts.performance import CHECKLIST_PERFORMANCE_MODELS, INPUT_SAVINGS_PHOTOS

    served.driver.set_window_size(width, 900)
    problems = {}
    _go(served, "/performance")  # a filter changed, a catalogue entered
    served.wait_for_element(f"#{CHECKLIST_PERFORMANCE_MODELS} input", timeout=15)
    served.driver.execute_script("arguments[0].click()", served.find_elements(f"#{CHECKLIST_PERFORMANCE_MODELS} input")[0])
    photos = served.find_element(f"#{INPUT_SAVINGS_PHOTOS}")
    photos.clear()
    photos.send_keys("2500\n")
    served.wait_for_contains_text("#div-savings-table", "2,", timeout=15)
    _check_axe(served, "/performance after a filter and a catalogue", problems)
    _go(served, "/classify")  # a photo classified
    served.driver.execute_script("arguments[0].click()",
                                 served.find_element(f"button[id*='{BUTTON_CLASSIFIER_EXAMPLE}']"))
    served.wait_for_element(f"#{DIV_CLASSIFIER_RESULTS} .card", timeout=30)
    _check_axe(served, "/classify after a photo", problems)
    _go(served, "/explore")  # a photo opened
    served.wait_for_element(f"button[id*='{BUTTON_EXPLORE_IMAGE}']", timeout=20)
    served.driver.execute_script("arguments[0].click()", served.find_element(f"button[id*='{BUTTON_EXPLORE_IMAGE}']"))
    served.wait_for_element(f"#{MODAL_EXPLORE_IMAGE} .modal-body", timeout=20)
    # Bootstrap fades the dialog in: axe must judge its colours once it is opaque, not half-way
    until(lambda: served.driver.execute_script(
        "const modal = document.querySelector(arguments[0]).closest('.modal');"
        "return modal.classList.contains('show') && getComputedStyle(modal).opacity === '1'",
        f"#{MODAL_EXPLORE_IMAGE} .modal-body"), timeout=10)
    _check_axe(served, "/explore with a photo open", problems)
    assert not problems, json.dumps(problems, indent=1)


def test_browser011_no_page_is_wider_than_a_phone(served):
    """At 390 px nothing slides sideways: a wide table or chart scrolls inside its card, never the page."""
    served.driver.set_window_size(390, 900)
    wide = {}
    for path, heading in PAGES:
        _go(served, path)
        served.wait_for_contains_text(f"#{CONTAINER_PAGE} h2", heading, timeout=15)
        served.wait_for_no_elements('[data-dash-is-loading="true"]', timeout=20)
        widths = served.driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if widths[0] > widths[1]:
            wide[path] = widths
    assert not wide, wide


# What a user operates, as the browser draws it: links, buttons, selects, radio items and check boxes,
# range inputs, page links, the upload's file input and each data grid (one tab stop, as the ARIA grid
# pattern has it: the arrow keys move between its headers and cells).
CONTROLS = ("a[href], button, input, select, .ag-root-wrapper")
LIST_CONTROLS = f"""
return [...document.querySelectorAll("{CONTROLS}")].filter(e => !e.disabled && e.type !== "hidden"
  && !e.closest(".disabled, .js-plotly-plot") && !(e.closest(".ag-root-wrapper") && e !== e.closest(".ag-root-wrapper"))
  && (e.getClientRects().length || e.closest(".upload-zone")));"""


def test_browser008_the_keyboard_reaches_every_control_of_every_page(dash_duo, explored_artifacts, catalogue_results,
                                                                   tmp_path):
    from selenium.webdriver.common.keys import Keys

    from layouts.classifier import BUTTON_CLASSIFIER_EXAMPLE

    data, out = explored_artifacts
    dash_duo.start_server(create_app(AppConfig(artifacts_dir=out, data_path=data, classify_results=catalogue_results,
                                               feedback_file=tmp_path / "corrections.csv")))
    missed = {}
    for path, heading in PAGES:
        _go(dash_duo, path)
        dash_duo.wait_for_contains_text(f"#{CONTAINER_PAGE} h2", heading, timeout=15)
        if path == "/classify":  # a result, with its "this is wrong" controls
            dash_duo.find_element(f"button[id*='{BUTTON_CLASSIFIER_EXAMPLE}']").click()
            dash_duo.wait_for_element(f"#{DIV_CLASSIFIER_RESULTS} select, #{DIV_CLASSIFIER_RESULTS} .dash-dropdown",
                                      timeout=20)
        dash_duo.wait_for_no_elements('[data-dash-is-loading="true"]', timeout=20)
        controls = dash_duo.driver.execute_script(LIST_CONTROLS)
        assert len(controls) >= 7, path  # the brand and the menu's links, at least
        reached = set()
        dash_duo.driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        for _ in range(3 * len(controls) + 20):
            ActionChains(dash_duo.driver).send_keys(Keys.TAB).perform()
            reached.add(dash_duo.driver.execute_script(
                "const e = document.activeElement; return e.closest('.ag-root-wrapper') || e")._id)
        radio_groups = {}
        for control in controls:
            if control.get_attribute("type") == "radio" and control.get_attribute("name"):
                # one tab stop per named group is the rule; the arrow keys move within it
                radio_groups.setdefault(control.get_attribute("name"), []).append(control._id)
        lost = [dash_duo.driver.execute_script("return arguments[0].outerHTML.slice(0, 120)", c) for c in controls
                if c._id not in reached and not reached & set(radio_groups.get(c.get_attribute("name"), []))]
        if lost:
            missed[path] = lost
    assert not missed, json.dumps(missed, indent=1)


def test_browser009_enter_on_a_header_sorts_the_comparison_grid(served):
    from selenium.webdriver.common.keys import Keys

    _go(served, "/performance")
    header = ".ag-header-cell[col-id='accuracy']"
    served.wait_for_element(header, timeout=15)
    first_model = lambda: served.find_element(".ag-row[row-index='0'] [col-id='model']").text  # noqa: E731
    served.driver.execute_script("arguments[0].focus()", served.find_element(header))
    served.find_element(header).send_keys(Keys.ENTER)  # ascending: the least accurate first
    until(lambda: served.find_element(header).get_attribute("aria-sort") == "ascending", timeout=10)
    lowest = first_model()
    served.find_element(header).send_keys(Keys.ENTER)  # descending
    until(lambda: served.find_element(header).get_attribute("aria-sort") == "descending", timeout=10)
    assert first_model() != lowest


def test_browser012_behind_the_login_a_signed_in_browser_sees_and_uses_every_page(dash_duo, explored_artifacts,
                                                                                tmp_path):
    from werkzeug.security import generate_password_hash

    from layouts.performance import DIV_SAVINGS_TABLE, INPUT_SAVINGS_PHOTOS

    data, out = explored_artifacts
    users = tmp_path / "users.txt"
    users.write_text(f"alice:{generate_password_hash('s3cret')}\n")
    # What a browser does once its user has signed in: send the login with every request, the callbacks' too
    login = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    dash_duo.driver.execute_cdp_cmd("Network.enable", {})
    dash_duo.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": login}})
    dash_duo.start_server(create_app(AppConfig(artifacts_dir=out, data_path=data, users_file=users)))
    assert requests.get(dash_duo.server_url + "/performance", timeout=10).status_code == 401  # without the login
    dash_duo.driver.get(dash_duo.server_url + "/performance")
    dash_duo.wait_for_contains_text(f"#{CONTAINER_PAGE} h2", "Model performance", timeout=15)
    photos = dash_duo.find_element(f"#{INPUT_SAVINGS_PHOTOS}")
    photos.clear()
    photos.send_keys("1000\n")
    dash_duo.wait_for_contains_text(f"#{DIV_SAVINGS_TABLE}", "Target accuracy", timeout=15)  # a callback answered
    assert dash_duo.get_logs() == []
