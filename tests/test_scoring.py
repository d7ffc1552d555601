"""Any scikit-learn scorer: names, callables, pairing, the CLI option and natural display."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer, mean_absolute_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import prodbench as pb
from prodbench import scoring, stats
from prodbench.cli import main
from prodbench.errors import DataError, ModelError, SpecError
from prodbench.results import Score

FAST = ["--max-time", "0.2", "--max-fit-time", "0.5", "--quiet"]
RUN = {"max_time": 0.15, "batch_sizes": (1,)}


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture
def few_replicates(monkeypatch):
    monkeypatch.setattr(scoring, "N_REPLICATES", 60)


def logreg():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


# ------------------------------------------------------------------ names


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_every_scikit_learn_name_is_accepted_and_scores_as_sklearn(few_replicates) -> None:
    names = scoring.scorer_names()
    assert names == sorted(get_scorer_names()) and len(names) == 58
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xr, yr = load_diabetes(return_X_y=True)  # positive targets: every regression loss applies
    clf = logreg().fit(Xb, yb)
    reg = make_pipeline(StandardScaler(), DecisionTreeRegressor(random_state=0)).fit(Xr, yr)
    multilabel = [n for n in names if n.endswith("_samples")]
    assert multilabel == ["f1_samples", "jaccard_samples", "precision_samples", "recall_samples"]
    for name in multilabel:  # multilabel only: refused with what to use instead
        with pytest.raises(DataError, match=f"multilabel targets.*{name[:-8]}_macro"):
            scoring.resolve(name, "classification")
    for name in (n for n in names if n not in multilabel):
        task = scoring._task_of(get_scorer(name))
        if task != "regression":
            model, X, y = clf, Xb, yb
        else:
            model, X, y = reg, Xr, yr
        s = scoring.resolve(name, "regression" if model is reg else "classification")
        ev = scoring.evaluate(s, model, X, y, model.predict(X))
        want = get_scorer(name)(model, X, y)
        assert ev.value == pytest.approx(want, rel=1e-9, abs=1e-12), name
        # either per-row terms (kept or recomputed) or paired bootstrap replicates
        assert (ev.replicates is None) == s.row_terms, name
        if ev.terms is not None:
            assert float(ev.terms.mean()) == pytest.approx(want, rel=1e-9), name


def test_an_unknown_name_is_one_paragraph_with_close_matches() -> None:
    with pytest.raises(SpecError) as info:
        scoring.resolve("roc_acu", "classification")
    text = str(info.value)
    assert "\n" not in text and "Closest: roc_auc" in text and "58 names" in text


def test_something_not_a_scorer_and_a_score_for_the_other_task() -> None:
    with pytest.raises(SpecError, match="not a scoring name"):
        scoring.resolve(3, "classification")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="is for regression"):
        scoring.resolve("neg_mean_absolute_error", "classification")
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(DataError, match="is for classification"):
        pb.measure(Ridge(), X, y, scoring="f1", **RUN)


def test_natural_names_and_signs() -> None:
    assert scoring.label("neg_mean_absolute_error") == "MAE"
    assert scoring.label("neg_log_loss") == "log loss"
    assert scoring.label("f1_macro") == "f1_macro"
    assert scoring.natural("neg_mean_absolute_error", -45.18) == 45.18
    assert scoring.lower_is_better("neg_brier_score") and not scoring.lower_is_better("roc_auc")


# ------------------------------------------------------------------ the paired test


@settings(max_examples=200, deadline=None)
@given(
    reps=st.lists(
        st.floats(-1, 1, allow_nan=False, allow_subnormal=False) | st.just(0.0),
        min_size=1,
        max_size=300,
    ),
    alpha=st.floats(0.001, 0.5),
)
def test_bootstrap_interval_excludes_zero_exactly_when_significant(reps, alpha) -> None:
    t = stats.PairedBootstrap(float(np.mean(reps)), np.asarray(reps))
    low, high = t.interval(1.0 - alpha)
    assert low <= high
    assert (low > 0 or high < 0) == t.rejects(alpha) == (t.p_value < alpha)
    flipped = stats.PairedBootstrap(-t.point, -np.asarray(reps))
    assert flipped.p_value == t.p_value
    assert 0 < t.p_value <= 1


def test_the_same_model_twice_has_the_same_replicates(cancer, few_replicates) -> None:
    X, y = cancer
    m = logreg().fit(X, y)
    s = scoring.resolve("f1", "classification")
    one = scoring.evaluate(s, m, X, y, m.predict(X))
    two = scoring.evaluate(s, m, X, y, m.predict(X))
    assert one.replicates is not None and two.replicates is not None
    assert np.array_equal(one.replicates, two.replicates)
    t = stats.PairedBootstrap(0.0, two.replicates - one.replicates)
    assert t.p_value == 1.0 and t.interval(0.95) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("name", "test"),
    [
        ("f1", "bootstrap"),
        ("roc_auc", "bootstrap"),
        ("average_precision", "bootstrap"),
        ("balanced_accuracy", "bootstrap"),
        ("neg_log_loss", "permutation"),
        ("neg_brier_score", "permutation"),
        ("accuracy", "McNemar"),
    ],
)
def test_compare_pairs_every_kind_of_score(cancer, name, test, few_replicates) -> None:
    X, y = cancer
    cmp = pb.compare(
        {"lr": logreg(), "tree": DecisionTreeClassifier(random_state=0)},
        X,
        y,
        scoring=name,
        **RUN,
    )
    d = cmp.versus("tree")
    assert d.test == test and d.score_name == name
    low, high = d.score_diff_interval
    assert (low > 0 or high < 0) == d.significant
    assert d.score_diff == pytest.approx(
        cmp.results["tree"].score.value - cmp.results["lr"].score.value
    )
    assert d.detectable_diff > 0


def test_a_score_needing_probabilities_fails_only_the_candidate_without_them(cancer) -> None:
    X, y = cancer
    cmp = pb.compare(
        {"lr": logreg(), "svc": make_pipeline(StandardScaler(), LinearSVC())},
        X,
        y,
        scoring="neg_log_loss",
        **RUN,
    )
    assert set(cmp.results) == {"lr"}
    failure = cmp.failures["svc"]
    assert failure.error_type == "ModelError"
    assert "no predict_proba" in failure.message and "neg_log_loss" in failure.message


def test_roc_auc_uses_decision_function_when_there_is_no_predict_proba(cancer) -> None:
    X, y = cancer
    svc = make_pipeline(StandardScaler(), LinearSVC()).fit(X, y)
    ev = scoring.evaluate(scoring.resolve("roc_auc", "classification"), svc, X, y, svc.predict(X))
    assert ev.value == pytest.approx(get_scorer("roc_auc")(svc, X, y))


def test_a_multiclass_score_resamples_within_classes(few_replicates) -> None:
    X, y = load_iris(return_X_y=True)
    m = logreg().fit(X, y)
    ev = scoring.evaluate(scoring.resolve("roc_auc_ovr", "classification"), m, X, y, m.predict(X))
    assert ev.replicates is not None and np.isfinite(ev.replicates).all()
    for idx in scoring.resample_rows(y, True, 5):
        assert np.array_equal(np.bincount(y[idx]), np.bincount(y))


def test_a_scorer_object_and_a_callable(cancer, few_replicates) -> None:
    X, y = cancer

    def hits(estimator, X_rows, y_rows) -> float:
        return float(np.mean(estimator.predict(X_rows) == y_rows))

    cmp = pb.compare(
        {"lr": logreg(), "tree": DecisionTreeClassifier(random_state=0)}, X, y, scoring=hits, **RUN
    )
    assert cmp.results["lr"].score.name == "hits"
    assert cmp.versus("tree").test == "bootstrap"
    Xr, yr = load_diabetes(return_X_y=True)
    mae = make_scorer(mean_absolute_error, greater_is_better=False)
    r = pb.measure(Ridge(), Xr, yr, scoring=mae, **RUN)
    assert r.score.name == "neg_mean_absolute_error (custom)"
    assert r.score.value < 0 and scoring.label(r.score.name) == "mean absolute error (custom)"
    with pytest.raises(ModelError, match="failed on"):
        scoring.evaluate(
            scoring.resolve(lambda e, X_, y_: 1 / 0, "classification"),
            logreg().fit(X, y),
            X,
            y,
            y,
        )


def test_replicates_and_terms_survive_a_round_trip() -> None:
    s = Score("f1", 0.5, y_true=[0, 1], y_pred=[1, 1], replicates=[0.4, 0.6])
    back = Score.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back == s and back.replicates.tolist() == [0.4, 0.6]
    with pytest.raises(Exception, match="per-row"):
        back.contributions()
    old = Score("accuracy", 0.5, y_true=[0, 1], y_pred=[1, 1]).to_dict()
    assert "replicates" not in old and "terms" not in old


# ------------------------------------------------------------------ command line


def test_cli_scoring_any_name_and_the_result_file(capsys, tmp_path) -> None:
    out_file = tmp_path / "r.json"
    code = main(
        ["compare", "logreg", "knn", "--data", "breast_cancer", "--scoring", "roc_auc",
         "--output", str(out_file), *FAST]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    saved = json.loads(out_file.read_text())
    score = saved["results"]["logreg"]["score"]
    assert score["name"] == "roc_auc" and len(score["replicates"]) == scoring.N_REPLICATES
    assert saved["options"]["scoring"] == "roc_auc"
    assert "roc_auc" in out


def test_cli_bad_scoring_is_a_usage_error_before_loading(capsys) -> None:
    for command in (["compare", "logreg", "knn"], ["measure", "logreg"], ["sweep", "logreg"]):
        code = main([*command, "--data", "no_such_data", "--scoring", "f1_scor", "--quiet"])
        _, err = capsys.readouterr()
        assert code == 2, (command, err)
        assert "Unknown scoring 'f1_scor'" in err and "Closest: f1" in err, err
        assert "Traceback" not in err


def test_cli_usage_fits_80_columns_and_names_the_option(capsys) -> None:
    for command in ("compare", "measure", "sweep"):
        assert main([command, "--help"]) == 0
        out, _ = capsys.readouterr()
        usage = out.split("\n\n")[0]
        assert "[--scoring NAME]" in usage, command
        assert max(len(line) for line in usage.splitlines()) <= 80, command


def test_cli_measure_with_a_regression_loss(capsys) -> None:
    code = main(
        ["measure", "ridge", "--data", "diabetes", "--scoring", "neg_mean_absolute_error", *FAST]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "MAE" in out


def test_neg_scores_read_as_the_loss_in_every_format(capsys, tmp_path) -> None:
    X, y = load_diabetes(return_X_y=True)
    cmp = pb.compare(
        {"ridge": Ridge(), "tree": DecisionTreeRegressor(random_state=0)},
        X,
        y,
        scoring="neg_mean_absolute_error",
        **RUN,
    )
    mae = -cmp.results["ridge"].score.value
    assert mae > 0  # stored as scikit-learn has it, higher is better
    path = tmp_path / "r.json"
    cmp.to_json(path)
    outs = {}
    for fmt in ("table", "markdown", "json"):
        assert main(["show", str(path), "--format", fmt]) == 0
        outs[fmt], _ = capsys.readouterr()
    table = " ".join(outs["table"].split())
    assert f"MAE {mae:.4f}, lower is better" in table
    assert "tree: MAE " in table and " worse (95% CI" in table
    assert "neg_mean_absolute_error" not in table and "MAE down" in table
    assert "neg_mean_absolute_error" not in outs["markdown"].replace("`", "")
    summary = json.loads(outs["json"])["summary"]["candidates"]
    score = summary["ridge"]["score"]
    assert score["label"] == "MAE" and score["lower_is_better"]
    assert score["natural_value"] == pytest.approx(mae) and score["value"] == pytest.approx(-mae)
    versus = summary["tree"]["versus_baseline"]
    assert versus["natural_diff"] == pytest.approx(-versus["score_diff"])
    assert versus["natural_diff_low"] <= versus["natural_diff"] <= versus["natural_diff_high"]


def test_binary_roc_auc_replicates_are_sklearns_on_the_same_resamples(few_replicates) -> None:
    from sklearn.metrics import roc_auc_score

    X, y = load_breast_cancer(return_X_y=True)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)  # many tied scores
    ev = scoring.evaluate(scoring.resolve("roc_auc", "classification"), tree, X, y, tree.predict(X))
    proba = tree.predict_proba(X)[:, 1]
    want = [roc_auc_score(y[i], proba[i]) for i in scoring.resample_rows(y, True)]
    assert ev.replicates is not None
    np.testing.assert_allclose(ev.replicates, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["f1", "precision", "recall", "balanced_accuracy"])
def test_binary_count_scores_replicates_are_sklearns(name, few_replicates) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    m = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    scorer = get_scorer(name)
    ev = scoring.evaluate(scoring.resolve(name, "classification"), m, X, y, m.predict(X))
    y_pred = m.predict(X)
    want = [scorer._score_func(y[i], y_pred[i]) for i in scoring.resample_rows(y, True)]
    assert ev.replicates is not None
    np.testing.assert_allclose(ev.replicates, want, rtol=0, atol=1e-12)
