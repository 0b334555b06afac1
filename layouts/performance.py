"""Model performance page: confusion matrix with cell galleries, per-class scores, comparison table."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dash_table, dcc, html
from dash.dash_table.Format import Format, Group, Scheme

from layouts.common import card
from ml.calibration import AUTO_SORT_TARGETS
from ml.corruptions import SEVERITY_NAMES
from ml.registry import display_name, technical_name

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
DROPDOWN_PERFORMANCE_MODELS = "dropdown-performance-models"
DROPDOWN_PERFORMANCE_CLASSES = "dropdown-performance-classes"
DROPDOWN_MATRIX_MODEL = "dropdown-matrix-model"
RADIO_MATRIX_MODE = "radio-matrix-mode"
DROPDOWN_MATRIX_TRUE = "dropdown-matrix-true"  # a cell chosen by keyboard: its row...
DROPDOWN_MATRIX_PREDICTED = "dropdown-matrix-predicted"  # ...and its column
RADIO_PERCLASS_METRIC = "radio-perclass-metric"
DROPDOWN_PERCLASS_SORT = "dropdown-perclass-sort"
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
TABLE_PERFORMANCE_MODELS = "table-performance-models"
RADIO_ROBUSTNESS_SEVERITY = "radio-robustness-severity"
GRAPH_ROBUSTNESS_ACCURACY = "graph-robustness-accuracy"
RADIO_AUTOSORT_TARGET = "radio-autosort-target"
DIV_AUTOSORT_ANSWERS = "div-autosort-answers"
GRAPH_AUTOSORT_COVERAGE = "graph-autosort-coverage"
GRAPH_AUTOSORT_CLASSES = "graph-autosort-classes"
GRAPH_AUTOSORT_CLASS_CURVES = "graph-autosort-class-curves"
GRAPH_CALIBRATION_RELIABILITY = "graph-calibration-reliability"


TABLE_COLUMNS = [  # (key, header, number format or None for text)
    ("model", "Model", None),
    ("method", "Method", None),
    ("accuracy", "Accuracy", Format(precision=1, scheme=Scheme.percentage)),
    ("macro_f1", "Macro-F1", Format(precision=1, scheme=Scheme.percentage)),
    ("size_mb", "Files on disk (MB)", Format(precision=1, scheme=Scheme.fixed)),
    ("train_minutes", "Training (min)", Format(precision=1, scheme=Scheme.fixed)),
    ("latency_ms", "One image (ms)", Format(precision=2, scheme=Scheme.fixed)),
    ("throughput_ips", "Batched (images/s)", Format(precision=0, scheme=Scheme.fixed, group=Group.yes)),
    ("runtime", "Runtime", None),
]


def cell_controls(class_names: list[str]) -> dbc.Row:
    """The matrix cell as two dropdowns, which follow a click on the matrix and reach it by keyboard."""
    return dbc.Row([
        dbc.Col([dbc.Label("True class", html_for=DROPDOWN_MATRIX_TRUE, className="small mb-0"),
                 dcc.Dropdown(id=DROPDOWN_MATRIX_TRUE, options=class_names, clearable=False,
                              placeholder="class")], width=6),
        dbc.Col([dbc.Label("Predicted as", html_for=DROPDOWN_MATRIX_PREDICTED, className="small mb-0"),
                 dcc.Dropdown(id=DROPDOWN_MATRIX_PREDICTED, options=class_names, clearable=False,
                              placeholder="class")], width=6),
    ], className="mb-2")


def performance_page(model_keys: list[str], class_names: list[str], table_rows: list[dict],
                     target: float) -> html.Div:
    """Controls, empty graphs for the callbacks, and the (static) comparison table; `target` is the
    auto-sort accuracy the service is configured for, selected first."""
    model_options = [{"label": display_name(k), "value": k, "title": technical_name(k)} for k in model_keys]
    controls = dbc.Row([
        dbc.Col([dbc.Label("Models"), dcc.Dropdown(id=DROPDOWN_PERFORMANCE_MODELS, options=model_options,
                                                   value=model_keys, multi=True)], md=5),
        dbc.Col([dbc.Label("Classes"), dcc.Dropdown(id=DROPDOWN_PERFORMANCE_CLASSES, options=class_names,
                                                    value=class_names, multi=True,
                                                    placeholder="all classes")], md=7),
    ])
    matrix_controls = dbc.Row([
        dbc.Col([dbc.Label("Confusion matrix of"), dcc.Dropdown(
            id=DROPDOWN_MATRIX_MODEL, options=model_options, value=model_keys[0], clearable=False)], md=6),
        dbc.Col([dbc.Label("Show"), dbc.RadioItems(
            id=RADIO_MATRIX_MODE, options=[{"label": "counts", "value": "counts"},
                                             {"label": "row-normalised", "value": "normalised"}],
            value="counts", inline=True)], md=6),
    ], className="mb-2")
    metric_controls = dbc.Row([
        dbc.Col([dbc.Label("Metric"), dbc.RadioItems(
            id=RADIO_PERCLASS_METRIC, options=["f1", "precision", "recall"], value="f1", inline=True)], md=6),
        dbc.Col([dbc.Label("Sort classes by"), dcc.Dropdown(
            id=DROPDOWN_PERCLASS_SORT, options=[{"label": "class name", "value": "name"}] + model_options,
            value="name", clearable=False)], md=6),
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
                         dbc.Modal([dbc.ModalHeader(dbc.ModalTitle("One test image, every model's answer")),
                                    dbc.ModalBody(html.Div(id=DIV_MATRIX_IMAGE))],
                                   id=MODAL_MATRIX_IMAGE, is_open=False, size="lg")), xl=7),
            dbc.Col(card("Per-class scores", metric_controls,
                         html.P("Recall: of the photos that are really this class, the share the model found. "
                                "Precision: of the photos the model put in this class, the share that belong "
                                "there. F1 balances the two (their harmonic mean): high only when both are.",
                                className="text-muted small mb-2"),
                         dcc.Loading(dcc.Graph(id=GRAPH_PERCLASS_SCORES))), xl=5),
        ]),
        auto_sort_card(target),
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


def auto_sort_answers(sentences: list[str]) -> html.Ul:
    return html.Ul(sentence_items(sentences), className="mb-0")


def sentence_items(sentences: list[str]) -> list[html.Li]:
    return [html.Li(sentence) for sentence in sentences]


def models_table(rows: list[dict]) -> dash_table.DataTable:
    """The comparison table, one row per model, sortable by any column (click a header); the Models
    filter chooses its rows. Scrolls sideways on a phone rather than hiding columns."""
    columns = [{"id": key, "name": name, **({"type": "numeric", "format": fmt} if fmt else {})}
               for key, name, fmt in TABLE_COLUMNS]
    return dash_table.DataTable(
        id=TABLE_PERFORMANCE_MODELS, columns=columns, data=rows, sort_action="native", style_as_list_view=True,
        style_table={"overflowX": "auto"}, style_header={"fontWeight": "600", "whiteSpace": "normal"},
        style_cell={"fontFamily": "var(--bs-body-font-family)", "fontSize": ".9rem", "padding": "6px 10px",
                    "textAlign": "right", "whiteSpace": "normal", "height": "auto"},
        style_cell_conditional=[{"if": {"column_id": "model"}, "textAlign": "left", "minWidth": "9rem"},
                                {"if": {"column_id": "method"}, "textAlign": "left"},
                                {"if": {"column_id": "runtime"}, "textAlign": "left"}],
        style_data_conditional=[{"if": {"row_index": "odd"}, "backgroundColor": "#f6f8fa"}])
