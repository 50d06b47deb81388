"""helpers.load_penguins and its companions: shapes, dtypes, dropped rows, one-hot, bad names."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

import helpers
from helpers.checks import nb06

ALL = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "species", "sex"]


def test_the_shipped_file_is_the_published_one_with_its_licence():
    folder = resources.files("helpers").joinpath("datasets")
    data = folder.joinpath("penguins.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() in folder.joinpath("PENGUINS-LICENSE.md").read_text()
    licence = folder.joinpath("PENGUINS-LICENSE.md").read_text(encoding="utf-8")
    for needle in ("CC0", "Horst", "Gorman KB, Williams TD, Fraser WR (2014)"):
        assert needle in licence
    assert data.count(b"\n") == 345  # a header and 344 penguins


def test_columns_are_listed_with_what_they_hold():
    columns = helpers.penguin_columns()
    assert list(columns) == [
        "species",
        "island",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
        "year",
    ]
    assert "Adelie, Chinstrap, Gentoo" in columns["species"]
    assert "mm" in columns["flipper_length_mm"]


def test_default_is_flipper_length_to_body_mass(capsys):
    x, y = helpers.load_penguins()
    assert x.shape == (342, 1) and y.shape == (342, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x[:3, 0].tolist() == [181.0, 186.0, 195.0]
    assert y[:3, 0].tolist() == [3750.0, 3800.0, 3250.0]
    out = capsys.readouterr().out
    assert "342 of 344 penguins kept, 2 dropped" in out
    assert "x columns: flipper_length_mm" in out


def test_rows_with_a_missing_value_in_a_requested_column_are_dropped(capsys):
    x, y = helpers.load_penguins(ALL)
    assert len(x) == len(y) == 333
    assert "333 of 344 penguins kept, 11 dropped" in capsys.readouterr().out
    assert np.isfinite(x).all() and np.isfinite(y).all()
    # a column nobody asked for does not drop anything: year is never missing
    x, _ = helpers.load_penguins(["year"], verbose=False)
    assert len(x) == 342


def test_one_hot_columns_one_per_category_or_one_fewer():
    x, _ = helpers.load_penguins(["species", "sex"], verbose=False)
    assert x.shape == (333, 5)
    assert set(np.unique(x)) == {0.0, 1.0}
    assert (x[:, :3].sum(axis=1) == 1).all() and (x[:, 3:].sum(axis=1) == 1).all()
    assert x[:, :3].sum(axis=0).tolist() == [146.0, 68.0, 119.0]  # Adelie, Chinstrap, Gentoo
    dropped, _ = helpers.load_penguins(["species", "sex"], drop_first=True, verbose=False)
    np.testing.assert_array_equal(dropped, x[:, [1, 2, 4]])
    assert helpers.penguin_feature_names(["species", "sex"]) == [
        "species=Adelie",
        "species=Chinstrap",
        "species=Gentoo",
        "sex=female",
        "sex=male",
    ]
    assert helpers.penguin_feature_names(ALL, drop_first=True) == [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "species=Chinstrap",
        "species=Gentoo",
        "sex=male",
    ]


def test_full_one_hot_with_a_bias_is_refused_and_drop_first_is_unique():
    x, y = helpers.load_penguins(ALL, verbose=False)
    with pytest.raises(ValueError, match="combination of others"):
        helpers.closed_form_fit(x, y)
    x, y = helpers.load_penguins(ALL, drop_first=True, verbose=False)
    w, _ = helpers.closed_form_fit(x, y)
    assert w.shape == (6,)


def test_labels_line_up_with_the_rows():
    x, _ = helpers.load_penguins(["species"], verbose=False)
    labels = helpers.penguin_labels("species")
    assert labels.shape == (342,)
    categories = np.array(["Adelie", "Chinstrap", "Gentoo"])
    np.testing.assert_array_equal(labels, categories[x.argmax(axis=1)])
    # sex as a label without asking for it as a feature: the 9 unknown ones say "NA"
    assert (helpers.penguin_labels("sex") == "NA").sum() == 9


def test_a_single_name_is_a_list_of_one():
    a, _ = helpers.load_penguins("bill_depth_mm", verbose=False)
    b, _ = helpers.load_penguins(["bill_depth_mm"], verbose=False)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"features": ["flipper_length"]}, ValueError, "unknown penguin column 'flipper_length'"),
        ({"target": "mass"}, ValueError, "The columns are: species, island"),
        ({"target": "species"}, ValueError, "numeric column"),
        ({"features": ["body_mass_g"]}, ValueError, "would read the answer"),
        ({"features": ["sex", "sex"]}, ValueError, "twice"),
        ({"features": []}, TypeError, "non-empty list"),
        ({"features": 3}, TypeError, "non-empty list"),
        ({"drop_first": "yes"}, TypeError, "drop_first must be True or False"),
        ({"verbose": 1}, TypeError, "verbose must be True or False"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, words):
    with pytest.raises(error, match=words):
        helpers.load_penguins(**kwargs)


def test_bad_label_column_and_feature_names():
    with pytest.raises(ValueError, match="categorical column"):
        helpers.penguin_labels("year")
    with pytest.raises(ValueError, match="unknown penguin column"):
        helpers.penguin_feature_names(["beak"])


def test_import_helpers_still_does_not_import_torch():
    code = (
        "import sys, helpers; helpers.load_penguins(verbose=False); print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# ---------------------------------------------------------------- the exercise checks


def test_to_original_units_check_names_common_mistakes(capsys):
    assert nb06.check_to_original_units(lambda w, b, m, s: (w / s, b - np.sum(w * m / s)))
    capsys.readouterr()
    assert not nb06.check_to_original_units(lambda w, b, m, s: (w * s, b))
    assert "multiplied" in capsys.readouterr().out
    assert not nb06.check_to_original_units(lambda w, b, m, s: (w / s, b))
    assert "bias came back unchanged" in capsys.readouterr().out


def _ridge(x, y, l2, *, bias_penalty=1.0, scale=None, factor=1.0):
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    penalty = factor * l2 * np.eye(d + 1)
    penalty[d, d] *= bias_penalty
    scale = n if scale is None else scale
    theta = np.linalg.solve(design.T @ design / scale + penalty, design.T @ y / scale)
    return theta[:d], theta[d]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"bias_penalty": 1.0}, "bias was penalised"),
        ({"bias_penalty": 0.0, "scale": 1.0}, "factor of N"),
        ({"bias_penalty": 0.0, "factor": 0.5}, "half as strong"),
        ({"bias_penalty": 0.0, "factor": 2.0}, "twice as strong"),
        ({"bias_penalty": 0.0, "factor": 0.0}, "no penalty"),
    ],
)
def test_ridge_check_names_common_mistakes(kwargs, words, capsys):
    assert not nb06.check_ridge_fit(lambda x, y, l2: _ridge(x, y, l2, **kwargs))
    assert words in capsys.readouterr().out


def test_ridge_check_passes_the_right_answer(capsys):
    assert nb06.check_ridge_fit(lambda x, y, l2: _ridge(x, y, l2, bias_penalty=0.0))
    assert nb06.check_ridge_fit(lambda x, y, l2: helpers.closed_form_fit(x, y, l2=l2))
    assert "✅" in capsys.readouterr().out
