"""Model performance page: confusion matrix with cell galleries, per-class scores, comparison table."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card, prose
from layouts.widgets import checklist, modal, select
from ml.data.corruptions import SEVERITY_NAMES
from ml.evaluation.savings import EXAMPLE_PHOTOS, EXAMPLE_SECONDS
from ml.models.registry import display_name, technical_name
from ml.serving.calibration import AUTO_SORT_TARGETS

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
CHECKLIST_PERFORMANCE_MODELS = "checklist-performance-models"
CHECKLIST_PERFORMANCE_CLASSES = "checklist-performance-classes"
SELECT_MATRIX_MODEL = "select-matrix-model"
RADIO_MATRIX_MODE = "radio-matrix-mode"
SELECT_MATRIX_TRUE = "select-matrix-true"  # a cell chosen by keyboard: its row...
SELECT_MATRIX_PREDICTED = "select-matrix-predicted"  # ...and its column
RADIO_PERCLASS_METRIC = "radio-perclass-metric"
SELECT_PERCLASS_SORT = "select-perclass-sort"
BUTTON_PERFORMANCE_CSV = "button-performance-csv"
DOWNLOAD_PERFORMANCE_CSV = "download-performance-csv"
GRAPH_CONFUSION_MATRIX = "graph-confusion-matrix"
DIV_MATRIX_GALLERY = "div-matrix-gallery"
STORE_MATRIX_CELL = "store-matrix-cell"
PAGINATION_MATRIX_GALLERY = "pagination-matrix-gallery"
BUTTON_MATRIX_IMAGE = "button-matrix-image"  # the type of each gallery image's button: {type, index}
MODAL_MATRIX_IMAGE = "modal-matrix-image"
DIV_MATRIX_IMAGE = "div-matrix-image"
GALLERY_PER_PAGE = 24
GRAPH_PERCLASS_SCORES = "graph-perclass-scores"
GRAPH_TRAINING_CURVES = "graph-training-curves"
LIST_TRAINING_RECORDS = "list-training-records"
GRID_PERFORMANCE_MODELS = "grid-performance-models"
RADIO_ROBUSTNESS_SEVERITY = "radio-robustness-severity"
GRAPH_ROBUSTNESS_ACCURACY = "graph-robustness-accuracy"
RADIO_AUTOSORT_TARGET = "radio-autosort-target"
DIV_AUTOSORT_ANSWERS = "div-autosort-answers"
GRAPH_AUTOSORT_COVERAGE = "graph-autosort-coverage"
GRAPH_AUTOSORT_CLASSES = "graph-autosort-classes"
GRAPH_AUTOSORT_CLASS_CURVES = "graph-autosort-class-curves"
GRAPH_CALIBRATION_RELIABILITY = "graph-calibration-reliability"
INPUT_SAVINGS_PHOTOS = "input-savings-photos"
INPUT_SAVINGS_SECONDS = "input-savings-seconds"
DIV_SAVINGS_TABLE = "div-savings-table"


TABLE_COLUMNS = [  # (key, header, d3 number format or None for text)
    ("model", "Model", None),
    ("method", "Method", None),
    ("accuracy", "Accuracy", ".1%"),
    ("macro_f1", "Macro-F1", ".1%"),
    ("size_mb", "Files on disk (MB)", ".1f"),
    ("train_minutes", "Training (min)", ".1f"),
    ("latency_ms", "One image (ms)", ".2f"),
    ("throughput_ips", "Batched (images/s)", ",.0f"),
    ("runtime", "Runtime", None),
]


def cell_controls(class_names: list[str]) -> dbc.Row:
    """The matrix cell as two dropdowns, which follow a click on the matrix and reach it by keyboard."""
    return dbc.Row([
        dbc.Col(select(SELECT_MATRIX_TRUE, "True class", class_names, None, small=True, placeholder="class"),
                width=6),
        dbc.Col(select(SELECT_MATRIX_PREDICTED, "Predicted as", class_names, None, small=True,
                       placeholder="class"), width=6),
    ], className="mb-2")


def performance_page(model_keys: list[str], class_names: list[str], table_rows: list[dict],
                     target: float) -> html.Div:
    """Controls, empty graphs for the callbacks, and the (static) comparison table; `target` is the
    auto-sort accuracy the service is configured for, selected first."""
    model_options = [{"label": display_name(k), "value": k, "title": technical_name(k)} for k in model_keys]
    controls = dbc.Row([
        dbc.Col(checklist(CHECKLIST_PERFORMANCE_MODELS, "Models", model_options, model_keys), md=5),
        dbc.Col(checklist(CHECKLIST_PERFORMANCE_CLASSES, "Classes (none ticked: all)", class_names, class_names), md=7),
    ])
    matrix_controls = dbc.Row([
        dbc.Col(select(SELECT_MATRIX_MODEL, "Confusion matrix of", model_options, model_keys[0]), md=6),
        dbc.Col([dbc.Label("Show"), dbc.RadioItems(
            id=RADIO_MATRIX_MODE, options=[{"label": "counts", "value": "counts"},
                                             {"label": "row-normalised", "value": "normalised"}],
            value="counts", inline=True)], md=6),
    ], className="mb-2")
    metric_controls = dbc.Row([
        dbc.Col([dbc.Label("Metric"), dbc.RadioItems(
            id=RADIO_PERCLASS_METRIC, options=["f1", "precision", "recall"], value="f1", inline=True)], md=6),
        dbc.Col(select(SELECT_PERCLASS_SORT, "Sort classes by",
                       [{"label": "class name", "value": "name"}] + model_options, "name"), md=6),
    ], className="mb-2")
    return html.Div([
        html.H2("Model performance"),
        html.P("All models are scored on the same test photos, which none of them trained on. Accuracy is "
               "the share of photos put in the right category; macro-F1 averages each category's F1 (below), so a "
               "model cannot score well by getting only the common categories right.", className="text-muted"),
        card("Filters", controls),
        card("Comparison", models_table(table_rows),
             dbc.Button("Download as CSV", id=BUTTON_PERFORMANCE_CSV, color="secondary", size="sm", className="mt-2"),
             dcc.Download(id=DOWNLOAD_PERFORMANCE_CSV)),
        dbc.Row([
            dbc.Col(card("Confusion matrix", matrix_controls, dcc.Loading(dcc.Graph(id=GRAPH_CONFUSION_MATRIX)),
                         html.P("Rows are the true class, columns the class the model chose: the diagonal is "
                                "right, every other cell a kind of mistake. Click a cell, or choose one here, "
                                "to see its test images.", className="text-muted small mb-2"),
                         cell_controls(class_names),
                         dcc.Store(id=STORE_MATRIX_CELL),
                         dcc.Loading(html.Div(id=DIV_MATRIX_GALLERY)),
                         dbc.Pagination(id=PAGINATION_MATRIX_GALLERY, max_value=1, active_page=1,
                                        fully_expanded=False, first_last=True, previous_next=True,
                                        className="mt-2 flex-wrap"),
                         modal(MODAL_MATRIX_IMAGE, "One test image, every model's answer",
                               html.Div(id=DIV_MATRIX_IMAGE), is_open=False, size="lg")), xl=7),
            dbc.Col(card("Per-class scores", metric_controls,
                         html.P("Recall: of the photos that are really this class, the share the model found. "
                                "Precision: of the photos the model put in this class, the share that belong "
                                "there. F1 balances the two (their harmonic mean): high only when both are.",
                                className="text-muted small mb-2"),
                         dcc.Loading(dcc.Graph(id=GRAPH_PERCLASS_SCORES))), xl=5),
        ]),
        auto_sort_card(target),
        savings_card(),
        chart_card("How far the confidence can be trusted", GRAPH_CALIBRATION_RELIABILITY,
                   "Each model says how sure it is. Calibrated on photos held back from training, a confidence "
                   "of 90% should mean right 9 times in 10: the closer a line to the diagonal, the more the "
                   "confidence can be taken at its word."),
        chart_card("How the neural networks learned", GRAPH_TRAINING_CURVES,
                   "Accuracy and loss after each pass over the training photos. Training accuracy is measured on "
                   "the photos the network learns from (changed a little each time, so it cannot simply memorise "
                   "them); photos held back from its training are dashed; the dotted line is the final model on "
                   "the test photos. The gap between training and test is what the network learned about these "
                   "photos only. Each run's length is fixed in passes, never by the time a machine takes; the "
                   "learning rate below shows its schedule running down.",
                   html.Ul(id=LIST_TRAINING_RECORDS, className="small mb-2")),
        chart_card("Damaged and product-style photos", GRAPH_ROBUSTNESS_ACCURACY,
                   "The test photos again, with noise, blur, JPEG compression, lighting, lower resolution, "
                   "rotation, shifts, and framed small on a plain background as product photos are: how much "
                   "accuracy each model keeps. Hover a bar for its calibration error (how far its confidence "
                   "is from its accuracy) and whether sorting at the target chosen above still keeps its promise.",
                   dbc.RadioItems(id=RADIO_ROBUSTNESS_SEVERITY, inline=True, value=1,
                                  options=[{"label": name, "value": i} for i, name in enumerate(SEVERITY_NAMES)])),
    ])


def chart_card(title: str, graph_id: str, note: str, *controls) -> dbc.Card:
    """A titled card: a sentence on how to read the chart, its controls, then the chart."""
    return card(title, html.P(note, className="text-muted small"), *controls, dcc.Loading(dcc.Graph(id=graph_id)))


def auto_sort_card(target: float) -> dbc.Card:
    """The target-accuracy control and what it means: photos sorted without a person, and which go to one."""
    options = sorted(set(AUTO_SORT_TARGETS) | {target})
    return card(
        "Sort photos without a person",
        html.P("Choose the accuracy a photo sorted without a person must meet. Each model sorts the photos it is "
               "sure enough about and sends the rest to a person; the threshold was chosen on photos held back "
               "from training and is checked here on the test photos.", className="text-muted small"),
        dbc.RadioItems(id=RADIO_AUTOSORT_TARGET, inline=True, value=target,
                       options=[{"label": f"{t:.1%} accurate", "value": t} for t in options]),
        dcc.Loading(html.Div(id=DIV_AUTOSORT_ANSWERS, className="my-2")),
        dbc.Row([dbc.Col(dcc.Loading(dcc.Graph(id=GRAPH_AUTOSORT_COVERAGE)), xl=7),
                 dbc.Col(dcc.Loading(dcc.Graph(id=GRAPH_AUTOSORT_CLASSES)), xl=5)]),
        dcc.Loading(dcc.Graph(id=GRAPH_AUTOSORT_CLASS_CURVES)))


def savings_card() -> dbc.Card:
    """The client's catalogue and the time a person takes per photo, and what sorting by machine saves."""
    def number(label: str, component_id: str, value, step, minimum):
        return dbc.Col([dbc.Label(label, html_for=component_id, className="small mb-1"),
                        dbc.Input(id=component_id, type="number", value=value, min=minimum, step=step,
                                  inputMode="decimal", debounce=True)], xs=12, sm=6, lg=4)

    return card(
        "What machine sorting saves on your catalogue",
        html.P("Enter how many photos your catalogue holds and how long a person takes to sort one. For each "
               "target accuracy: the photos the most accurate calibrated model sorts itself, those it sends to a "
               "person, the hours of sorting saved, and the wrong labels expected among the photos nobody "
               "reviews. Ranges are 95% intervals from the test photos the thresholds were checked on.",
               className="text-muted small"),
        dbc.Row([number("Photos in the catalogue", INPUT_SAVINGS_PHOTOS, EXAMPLE_PHOTOS, 1, 1),
                 number("Seconds a person takes per photo", INPUT_SAVINGS_SECONDS, EXAMPLE_SECONDS, "any", 0)],
                className="g-3 mb-3"),
        dcc.Loading(html.Div(id=DIV_SAVINGS_TABLE)))


def savings_view(model: str | None, rows: list[dict]) -> html.Div:
    """The savings table (it scrolls inside its card on a phone), or why there is none."""
    if model is None:
        return html.P("No model in these artifacts is calibrated, so no threshold says which photos are safe "
                      "to sort without a person.", className="mb-0")

    def ranged(value, bounds, digits=0):
        return [f"{value:,.{digits}f}", html.Br(), html.Span(f"{bounds[0]:,.{digits}f}–{bounds[1]:,.{digits}f}",
                                                           className="text-muted small")]

    header = html.Thead(html.Tr([html.Th(name, scope="col") for name in (
        "Target accuracy", "Sorted automatically", "Sent to a person", "Hours saved", "Wrong labels unreviewed")]))
    body = html.Tbody([html.Tr([html.Th(f"{row['target']:.1%}", scope="row"), html.Td(ranged(row["auto"], row["auto_range"])),
                                html.Td(f"{row['review']:,.0f}"),
                                html.Td(ranged(row["hours_saved"], row["hours_saved_range"])),
                                html.Td(ranged(row["wrong"], row["wrong_range"]))]) for row in rows])
    return html.Div([html.P(f"{display_name(model)} ({technical_name(model)}):", className="small mb-1"),
                     html.Div(dbc.Table([header, body], bordered=False, hover=True, size="sm",
                                        className="text-end mb-0"), className="table-responsive", tabIndex="0",
                              role="region", **{"aria-label": "What machine sorting saves, per target accuracy"})])


def savings_problem(text: str) -> html.P:
    return html.P(text, className="text-danger mb-0", role="alert")


def auto_sort_answers(sentences: list[str]) -> html.Ul:
    return html.Ul(sentence_items(sentences), className="mb-0")


def sentence_items(sentences: list[str]) -> list[html.Li]:
    return [html.Li(prose(sentence)) for sentence in sentences]


def models_table(rows: list[dict]) -> dag.AgGrid:
    """The comparison grid, one row per model: sorted by a click (or Enter) on a header, filtered from a
    column's menu, paged when long; the Models filter chooses its rows. It scrolls sideways inside its
    card on a phone rather than hiding columns."""
    columns = [{"field": key, "headerName": name, "minWidth": 130 if fmt is None else 105,
                **({"type": "rightAligned", "filter": "agNumberColumnFilter",
                    "valueFormatter": {"function": f"d3.format('{fmt}')(params.value)"}} if fmt else
                   {"filter": "agTextColumnFilter"})}
               for key, name, fmt in TABLE_COLUMNS]
    return dag.AgGrid(
        id=GRID_PERFORMANCE_MODELS, rowData=rows, columnDefs=columns, columnSize="responsiveSizeToFit",
        defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True, "autoHeaderHeight": True,
                       "wrapText": True, "autoHeight": True,
                       "cellStyle": {"lineHeight": "1.35", "paddingTop": "8px", "paddingBottom": "8px"}},
        dashGridOptions={"domLayout": "autoHeight", "pagination": True, "paginationPageSize": 10,
                         "paginationPageSizeSelector": False, "ensureDomOrder": True,
                         # Tab leaves the grid (the arrow keys move between its cells), as it leaves a table
                         "tabToNextCell": {"function": "false"}, "tabToNextHeader": {"function": "false"}},
        style={"width": "100%"})
