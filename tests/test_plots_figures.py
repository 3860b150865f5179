"""Every figure: PNG + SVG written atomically and byte-deterministically, group colours, n labels,
and drawn data equal to the input (read back from the Figure objects)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex, to_rgba
from matplotlib.text import Text
from PIL import Image

from otuflow.plots import (
    PlotInputError,
    alpha_boxplots,
    confidence_ellipse,
    extended_error_bar,
    feature_boxplots,
    group_colors,
    make_alpha_figure,
    make_extended_error_bar_figure,
    make_feature_boxplots_figure,
    make_ordination_figure,
    make_rarefaction_figure,
    make_read_tracking_figure,
    make_stacked_bars_figure,
    ordination_plot,
    plot_rarefaction_curves,
    read_tracking_plot,
    stacked_bars,
    taxa_palette,
)
from otuflow.plots.stamp import select_features
from otuflow.plots.taxa import MIN_GROUP_DELTA_E, color_distance

COLORS = {"Control": "#E69F00", "Opioid-S": "#0072B2", "Opioid-T": "#009E73"}
ORDER = ["Control", "Opioid-S", "Opioid-T"]
SIZES = {"Control": 4, "Opioid-S": 5, "Opioid-T": 3}


@pytest.fixture
def groups() -> pd.Series:
    labels = [g for g in ORDER for _ in range(SIZES[g])]
    # Samples deliberately not sorted by group, and one name needing escaping in SVG.
    names = [f"S{i:02d}" for i in range(len(labels))]
    names[0] = "S<&>0"
    order = np.random.default_rng(0).permutation(len(labels))
    return pd.Series([labels[i] for i in order], index=[names[i] for i in order])


def _texts(fig) -> list[str]:
    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _by_gid(fig, gid):
    found = [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == gid]
    assert found, f"no artist with gid {gid!r}"
    return found


def _assert_n_labels(fig, groups: pd.Series) -> None:
    texts = " | ".join(t.replace("\n", " ") for t in _texts(fig))
    for g, n in groups.value_counts().items():
        assert f"{g} (n = {n})" in texts, texts


# ---------------------------------------------------------------- inputs for every figure type


def _alpha(groups):
    rng = np.random.default_rng(1)
    shift = groups.map({"Control": 0.0, "Opioid-S": -20.0, "Opioid-T": -40.0})
    return pd.DataFrame({
        "observed_otus": rng.integers(100, 200, len(groups)).astype(float),
        "chao1": 200 + shift.to_numpy() + rng.normal(0, 5, len(groups)),
        "shannon_base2": rng.normal(5, 0.3, len(groups)),
    }, index=groups.index)


def _alpha_tests():
    rows = [
        {"metric": "chao1", "test": "kruskal", "group_a": "all", "group_b": np.nan, "p": 0.0123,
         "p_bonferroni": np.nan, "skipped": ""},
        {"metric": "chao1", "test": "t", "group_a": "Opioid-S", "group_b": "Control", "p": 0.01,
         "p_bonferroni": 0.04, "skipped": ""},
        {"metric": "chao1", "test": "t", "group_a": "Opioid-T", "group_b": "Control",
         "p": 0.0002, "p_bonferroni": 0.0008, "skipped": ""},
        {"metric": "chao1", "test": "t", "group_a": "Opioid", "group_b": "Control", "p": 0.001,
         "p_bonferroni": 0.004, "skipped": ""},  # pooled group: no box, so no bracket
        {"metric": "chao1", "test": "t", "group_a": "Opioid-S", "group_b": "Opioid-T",
         "p": 0.3, "p_bonferroni": np.nan, "skipped": "t undefined"},
        {"metric": "shannon_base2", "test": "kruskal", "group_a": "all", "group_b": np.nan,
         "p": 0.5, "p_bonferroni": np.nan, "skipped": ""},
    ]
    return pd.DataFrame(rows)


def _curves(groups):
    rows = []
    for k, s in enumerate(groups.index):
        for depth in (100, 200, 400):
            for it in range(3):
                rows.append((s, depth, it, depth / 10 + k + it))  # mean over it = depth/10 + k + 1
    return pd.DataFrame(rows, columns=["sample", "depth", "iteration", "observed_otus"])


def _coords(groups):
    rng = np.random.default_rng(2)
    centre = groups.map({"Control": 1.0, "Opioid-S": -1.0, "Opioid-T": 0.0})
    return pd.DataFrame({"PC1": centre.to_numpy() + rng.normal(0, 0.3, len(groups)),
                         "PC2": rng.normal(0, 0.2, len(groups)),
                         "PC3": rng.normal(0, 0.1, len(groups))}, index=groups.index)


def _rel(groups, n_taxa=6):
    rng = np.random.default_rng(3)
    m = rng.dirichlet(np.ones(n_taxa + 2), size=len(groups)).T
    index = [f"Genus{i}" for i in range(n_taxa)] + ["Other", "Unassigned"]
    return pd.DataFrame(m, index=index, columns=groups.index)


def _stamp(n=12, q_sig=(0, 3, 5)):
    rng = np.random.default_rng(4)
    diff = rng.normal(0, 2, n)
    df = pd.DataFrame({
        "feature": [f"Genus{i}" for i in range(n)], "group_a": "Opioid", "group_b": "Control",
        "n_a": 8, "n_b": 4, "mean_a": 5 + diff / 2, "mean_b": 5 - diff / 2, "difference": diff,
        "ci_low": diff - 1, "ci_high": diff + 1.5, "p": rng.uniform(0.001, 0.9, n),
    })
    df["q"] = 0.5
    df.loc[list(q_sig), "q"] = [0.01, 0.02, 0.049][: len(q_sig)]
    return df


def _tracking(groups):
    n = len(groups)
    inp = np.arange(1000, 1000 + 100 * n, 100)
    return pd.DataFrame({"sample": groups.index, "input": inp, "with_primers": inp - 50,
                         "merged": inp - 300, "filtered": inp - 400, "mapped": inp - 450,
                         "warning": ""})


FIGURES = {
    "rarefaction": lambda g, p: plot_rarefaction_curves(_curves(g), g, COLORS, ORDER, p,
                                                         depth=200),
    "alpha": lambda g, p: alpha_boxplots(_alpha(g), g, COLORS, ORDER, p, tests=_alpha_tests()),
    "ordination": lambda g, p: ordination_plot(_coords(g), g, COLORS, ORDER,
                                               ("PC1 (30.0 %)", "PC2 (10.0 %)"), "PCoA", p,
                                               annotation="PERMANOVA R² = 0.30, p = 0.001"),
    "bars_sample": lambda g, p: stacked_bars(_rel(g), g, ORDER, p, by="sample", colors=COLORS),
    "bars_group": lambda g, p: stacked_bars(_rel(g), g, ORDER, p, by="group", colors=COLORS),
    "stamp": lambda g, p: extended_error_bar(_stamp(), None, None,
                                             {**COLORS, "Opioid": "#CC79A7"}, p),
    "features": lambda g, p: feature_boxplots(_rel(g), ["Genus0", "Genus1"], g, COLORS, ORDER, p,
                                              annotations={"Genus0": "q = 0.01"}),
    "tracking": lambda g, p: read_tracking_plot(_tracking(g), g, COLORS, p, order=ORDER),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_writes_png_and_svg_deterministically(name, groups, tmp_path):
    first = FIGURES[name](groups, tmp_path / "a" / name)
    second = FIGURES[name](groups, tmp_path / "b" / name)
    assert [p.suffix for p in first] == [".png", ".svg"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"{name}.png", f"{name}.svg"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between identical runs"
    png = first[0].read_bytes()
    assert png.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(png)) as im:
        assert im.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        assert im.size[0] in (1050, 2160)  # 3.5 in or 7.2 in at 300 dpi
    svg = first[1].read_text()
    assert svg.lstrip().startswith("<?xml")
    assert "<dc:date>" not in svg
    assert "S<&>0" not in svg  # names are escaped in the SVG text
    expected = ["#cc79a7", "#e69f00"] if name == "stamp" else [c.lower() for c in COLORS.values()]
    for colour in expected:
        assert colour in svg.lower(), f"{colour} missing from {name}.svg"


def test_rarefaction_draws_mean_per_sample_in_group_colour(groups):
    fig = make_rarefaction_figure(_curves(groups), groups, COLORS, ORDER)
    for k, s in enumerate(groups.index):
        (line,) = _by_gid(fig, f"sample:{s}")
        assert list(line.get_xdata()) == [0, 100, 200, 400]
        assert np.allclose(line.get_ydata(), [0, *(np.array([100, 200, 400]) / 10 + k + 1)])
        assert to_hex(line.get_color()) == COLORS[groups[s]].lower()
    _assert_n_labels(fig, groups)
    assert "Observed OTUs" in _texts(fig)


def test_rarefaction_rejects_unknown_metric_and_ungrouped_sample(groups):
    with pytest.raises(PlotInputError, match="metric 'faith'"):
        make_rarefaction_figure(_curves(groups), groups, COLORS, ORDER, metric="faith")
    with pytest.raises(PlotInputError, match="no group for sample"):
        make_rarefaction_figure(_curves(groups), groups.iloc[1:], COLORS, ORDER)


def test_alpha_points_titles_and_brackets(groups):
    alpha = _alpha(groups)
    fig = make_alpha_figure(alpha, groups, COLORS, ORDER, _alpha_tests(), seed=5)
    ax_chao, ax_shannon = fig.axes
    for i, g in enumerate(ORDER):
        (coll,) = [c for c in _by_gid(fig, f"points:{g}") if c.axes is ax_chao]
        xy = coll.get_offsets()
        expected = alpha.loc[groups.index[groups == g], "chao1"].to_numpy()
        assert sorted(xy[:, 1]) == pytest.approx(sorted(expected))
        assert np.all(np.abs(xy[:, 0] - i) <= 0.3)  # jitter stays inside the box
        assert to_hex(coll.get_facecolor()[0]) == COLORS[g].lower()
    assert "Kruskal–Wallis p = 0.01" in ax_chao.get_title()
    assert "Kruskal–Wallis p = 0.50" in ax_shannon.get_title()
    chao_texts = [t.get_text() for t in ax_chao.texts]
    # Bonferroni p of the two drawable pairs; pooled and skipped pairs are not drawn.
    assert sorted(chao_texts) == ["p < 0.001", "p = 0.04"]
    assert len(ax_shannon.texts) == 0
    _assert_n_labels(fig, groups)


def test_alpha_jitter_is_seeded(groups):
    def offsets(seed):
        fig = make_alpha_figure(_alpha(groups), groups, COLORS, ORDER, seed=seed)
        return _by_gid(fig, "points:Control")[0].get_offsets()[:, 0]

    assert np.array_equal(offsets(1), offsets(1))
    assert not np.array_equal(offsets(1), offsets(2))


def test_alpha_rejects_missing_pairwise_column(groups):
    tests = _alpha_tests().drop(columns="p_bonferroni")
    with pytest.raises(PlotInputError, match="p_bonferroni"):
        make_alpha_figure(_alpha(groups), groups, COLORS, ORDER, tests)


def test_ordination_points_and_ellipses(groups):
    coords = _coords(groups)
    two = groups.copy()
    two[groups.index[groups == "Opioid-T"][:2]] = "Opioid"  # a group with 2 points: no ellipse
    fig = make_ordination_figure(coords, two, COLORS, ORDER, ("PC1 (30 %)", "PC2 (10 %)"),
                                 "PCoA", "stress = 0.12")
    ax = fig.axes[0]
    for g in ("Control", "Opioid-S"):
        pts = coords.loc[two.index[two == g]]
        (coll,) = _by_gid(fig, f"points:{g}")
        assert np.allclose(coll.get_offsets(), pts[["PC1", "PC2"]].to_numpy())
        (ell,) = _by_gid(fig, f"ellipse:{g}")
        centre, w, h, angle = confidence_ellipse(pts["PC1"], pts["PC2"])
        assert ell.center == pytest.approx(centre)
        assert (ell.width, ell.height, ell.angle) == pytest.approx((w, h, angle))
        assert to_hex(ell.get_edgecolor()) == COLORS[g].lower()
    assert to_hex(_by_gid(fig, "points:Opioid")[0].get_facecolor()[0]) == "#cc79a7"
    assert not [a for a in fig.findobj() if a.get_gid() in ("ellipse:Opioid",
                                                             "ellipse:Opioid-T")]
    assert ax.get_xlabel() == "PC1 (30 %)"
    assert ax.get_title() == "PCoA\nstress = 0.12"
    _assert_n_labels(fig, two)


def test_stacked_bars_heights_order_and_colours(groups):
    rel = _rel(groups)
    fig = make_stacked_bars_figure(rel, groups, ORDER, by="sample", colors=COLORS)
    ordered = [s for g in ORDER for s in groups.index if groups[s] == g]
    palette = taxa_palette(avoid=COLORS.values())
    bottom = np.zeros(len(ordered))
    for i, taxon in enumerate(rel.index):
        bars = sorted(_by_gid(fig, f"taxon:{taxon}"), key=lambda r: r.get_x())
        heights = np.array([r.get_height() for r in bars])
        assert np.allclose(heights, 100 * rel.loc[taxon, ordered].to_numpy())
        assert np.allclose([r.get_y() for r in bars], bottom)
        bottom += heights
        colour = to_hex(bars[0].get_facecolor())
        expected = {"Other": "#9e9e9e", "Unassigned": "#dcdcdc"}.get(taxon, palette[i])
        assert colour == expected
    tick_labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert tick_labels == [str(s) for s in ordered]
    for g in ORDER:
        (span,) = _by_gid(fig, f"groupbar:{g}")
        assert to_hex(span.get_facecolor()) == COLORS[g].lower()
    _assert_n_labels(fig, groups)


def test_stacked_bars_by_group_are_group_means(groups):
    rel = _rel(groups)
    fig = make_stacked_bars_figure(rel, groups, ORDER, by="group")
    bars = sorted(_by_gid(fig, "taxon:Genus2"), key=lambda r: r.get_x())
    expected = [100 * rel.loc["Genus2", groups.index[groups == g]].mean() for g in ORDER]
    assert np.allclose([r.get_height() for r in bars], expected)
    _assert_n_labels(fig, groups)


def test_taxa_palette_has_32_plus_distinct_non_grey_colours():
    palette = taxa_palette()
    assert len(palette) >= 32
    assert len(set(palette)) == len(palette)
    rgb = np.array([to_rgba(c)[:3] for c in palette])
    assert np.all(rgb.max(axis=1) - rgb.min(axis=1) >= 0.08)  # none is a grey
    # Neighbours in the first 10 differ clearly (distinct hues for the most abundant taxa).
    dist = np.linalg.norm(np.diff(rgb[:10], axis=0), axis=1)
    assert dist.min() > 0.2


def test_taxon_colours_do_not_look_like_group_colours(groups):
    # tab10 blue #1f77b4 is nearly the Okabe-Ito blue of Opioid-S: a genus would pass for a group.
    assert color_distance(taxa_palette()[0], COLORS["Opioid-S"]) < MIN_GROUP_DELTA_E
    rel = _rel(groups, n_taxa=30) / 2  # the default top_genera
    for colors in (COLORS, {"Control": "#d62728", "Opioid-S": "#9467bd", "Opioid-T": "#2ca02c"}):
        fig = make_stacked_bars_figure(rel, groups, ORDER, by="group", colors=colors)
        drawn = {to_hex(_by_gid(fig, f"taxon:Genus{i}")[0].get_facecolor()) for i in range(30)}
        assert len(drawn) == 30
        assert all(color_distance(t, g) >= MIN_GROUP_DELTA_E for t in drawn
                   for g in colors.values())
    # Deterministic, and colours near a group colour are only moved back, never dropped.
    avoided = taxa_palette(avoid=COLORS.values())
    assert avoided == taxa_palette(avoid=COLORS.values())
    assert sorted(avoided) == sorted(taxa_palette())


def test_stacked_bars_reject_percentages_and_too_many_taxa(groups):
    with pytest.raises(PlotInputError, match="proportions"):
        make_stacked_bars_figure(100 * _rel(groups), groups, ORDER)
    many = _rel(groups, n_taxa=len(taxa_palette()) + 1) / 2
    with pytest.raises(PlotInputError, match="distinguishable colours"):
        make_stacked_bars_figure(many, groups, ORDER)
    with pytest.raises(PlotInputError, match="by must be"):
        make_stacked_bars_figure(_rel(groups), groups, ORDER, by="taxon")


def test_stamp_selects_significant_features_sorted_by_difference():
    stamp = _stamp()
    rows, significant = select_features(stamp, max_features=30)
    assert significant
    assert sorted(rows["feature"]) == ["Genus0", "Genus3", "Genus5"]
    assert list(rows["difference"]) == sorted(rows["difference"], reverse=True)
    fig = make_extended_error_bar_figure(stamp, None, None, COLORS)
    (points,) = _by_gid(fig, "differences")
    ys = points.get_offsets()[:, 1]
    xs = points.get_offsets()[:, 0]
    assert np.allclose(xs[np.argsort(-ys)], rows["difference"])
    for x, fc in zip(xs, points.get_facecolors(), strict=True):
        assert to_hex(fc) == ("#cc79a7" if x > 0 else COLORS["Control"].lower())
    assert "3 features with q < 0.05" in fig.get_suptitle()
    _assert_n_labels(fig, pd.Series(["Opioid"] * 8 + ["Control"] * 4))


def test_stamp_without_significant_features_shows_top_by_p():
    stamp = _stamp(q_sig=())
    rows, significant = select_features(stamp, max_features=4)
    assert not significant
    assert sorted(rows["p"]) == sorted(stamp["p"].nsmallest(4))
    fig = make_extended_error_bar_figure(stamp, "Opioid", "Control", COLORS, max_features=4)
    assert "no feature with q < 0.05; top 4 by p shown" in fig.get_suptitle()


def test_feature_boxplots_in_percent_with_annotations(groups):
    rel = _rel(groups)
    fig = make_feature_boxplots_figure(rel, ["Genus1", "Genus4", "Other"], groups, COLORS, ORDER,
                                       annotations={"Genus4": "Metastats q = 0.004"})
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["Genus1", "Genus4",
                                                                       "Other"]
    for g in ORDER:
        (coll,) = _by_gid(fig, f"points:Genus4:{g}")
        expected = 100 * rel.loc["Genus4", groups.index[groups == g]].to_numpy()
        assert sorted(coll.get_offsets()[:, 1]) == pytest.approx(sorted(expected))
        assert to_hex(coll.get_facecolor()[0]) == COLORS[g].lower()
    assert "Metastats q = 0.004" in _texts(fig)
    _assert_n_labels(fig, groups)
    with pytest.raises(PlotInputError, match="Genus99"):
        make_feature_boxplots_figure(rel, ["Genus99"], groups, COLORS, ORDER)


def test_read_tracking_lines_are_counts_and_percent(groups):
    tracking = _tracking(groups)
    fig = make_read_tracking_figure(tracking, groups, COLORS, ORDER)
    for _, row in tracking.iterrows():
        counts = row[["input", "with_primers", "merged", "filtered", "mapped"]].to_numpy(float)
        (line,) = _by_gid(fig, f"reads:{row['sample']}")
        assert np.allclose(line.get_ydata(), counts)
        (pct,) = _by_gid(fig, f"percent:{row['sample']}")
        assert np.allclose(pct.get_ydata(), 100 * counts / counts[0])
        assert to_hex(line.get_color()) == COLORS[groups[row["sample"]]].lower()
    _assert_n_labels(fig, groups)
    with pytest.raises(PlotInputError, match="missing column"):
        make_read_tracking_figure(tracking.drop(columns="merged"), groups, COLORS)


@pytest.mark.parametrize("feature", ["OTU", "ASV"])
def test_read_tracking_names_what_reads_are_mapped_to(groups, feature):
    fig = make_read_tracking_figure(_tracking(groups), groups, COLORS, ORDER, feature=feature)
    for ax in fig.axes:
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        assert ticks[0] == "Input pairs" and ticks[-1] == f"Mapped\nto {feature}s"


def test_group_colours_fall_back_documented():
    got = group_colors(["Control", "Opioid", "Extra"], {"Control": "#111111"})
    assert got == {"Control": "#111111", "Opioid": "#CC79A7", "Extra": "#56B4E9"}


def test_groups_not_in_order_follow_and_absent_groups_are_left_out(groups):
    relabelled = groups.replace({"Opioid-T": "Zeta"})
    fig = make_rarefaction_figure(_curves(groups), relabelled, COLORS, ["Opioid-S", "Missing",
                                                                        "Control"])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Opioid-S (n = 5)", "Control (n = 4)", "Zeta (n = 3)"]


def test_accepts_otuflow_stats_outputs_read_back_from_tsv(groups, tmp_path):
    """Schema check against otuflow.stats: compare_alpha (per metric, with a metric column, as
    written by the workflow) and stamp_welch tables plot without adaptation."""
    from otuflow.plots._style import format_p
    from otuflow.stats.alpha import compare_alpha
    from otuflow.stats.welch import stamp_welch

    alpha = _alpha(groups)
    tests = pd.concat(
        [compare_alpha(alpha[m], groups, permutations=99, seed=1).assign(metric=m)
         for m in ("chao1", "shannon_base2")], ignore_index=True)
    tests.to_csv(tmp_path / "tests.tsv", sep="\t", index=False)
    tests = pd.read_csv(tmp_path / "tests.tsv", sep="\t")
    fig = make_alpha_figure(alpha, groups, COLORS, ORDER, tests)
    chao = tests[(tests["metric"] == "chao1") & (tests["test"] != "kruskal")
                 & tests["group_a"].isin(ORDER) & tests["group_b"].isin(ORDER)]
    expected = sorted(format_p(p) for p in chao["p_bonferroni"])
    assert len(expected) == 3
    assert sorted(t.get_text() for t in fig.axes[0].texts) == expected
    kw = tests.loc[(tests["metric"] == "chao1") & (tests["test"] == "kruskal"), "p"].iloc[0]
    assert fig.axes[0].get_title() == f"Kruskal–Wallis {format_p(kw)}"

    counts = (1000 * _rel(groups)).round().astype(int)
    pooled = groups.replace({"Opioid-S": "Opioid", "Opioid-T": "Opioid"})
    welch = stamp_welch(counts, pooled, "Opioid", "Control")
    fig = make_extended_error_bar_figure(welch, None, None, COLORS)
    _assert_n_labels(fig, pooled)


def drawn_texts(fig) -> list[tuple[str, object]]:
    """(text, window extent) of every non-empty text the saved figure shows."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # the figures are built without a pyplot backend
    canvas.draw()
    renderer = canvas.get_renderer()
    # Labels of ticks outside an axis' view limits exist but are not drawn.
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            tolerance = 1e-9 * max(high - low, 1e-300)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - tolerance <= tick.get_loc() <= high + tolerance:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in hidden]  # fmt: skip


def overlapping_texts(fig) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap."""
    boxes = drawn_texts(fig)
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
            if box_a.overlaps(box_b)]  # fmt: skip


def texts_outside_figure(fig) -> list[str]:
    """Drawn texts that reach beyond the figure's edges (cut off in the saved image)."""
    return [text for text, box in drawn_texts(fig)
            if not (fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1))]


def test_ordination_title_with_a_long_note_stays_inside_the_figure(groups):
    coords = pd.DataFrame(np.random.default_rng(1).normal(size=(len(groups), 2)),
                          index=groups.index, columns=["NMDS1", "NMDS2"])  # fmt: skip
    note = "stress = 0.196 (best solution not repeated); PERMANOVA R² = 0.116, p = 0.091"
    fig = make_ordination_figure(coords, groups, COLORS, ORDER, ("NMDS1", "NMDS2"),
                                 "NMDS, Weighted UniFrac (normalised)", note)  # fmt: skip
    assert texts_outside_figure(fig) == []
    assert overlapping_texts(fig) == []
    assert "PERMANOVA R² = 0.116, p = 0.091" in fig.axes[0].get_title()


def test_feature_boxplot_notes_and_group_labels_do_not_overlap(groups):
    """Three comparisons' q-values under each of five panels (the demo's case) and three group
    labels with their n: no text runs into another, within a panel or across panels."""
    rel = _rel(groups)
    features = ["Genus0", "Genus1", "Genus2", "Genus3", "Genus4"]
    note = ("Opioid vs Control: q = 0.00057; Opioid-S vs Control: q = 0.0008; "
            "Opioid-T vs Control: q = 0.00057")  # fmt: skip
    fig = make_feature_boxplots_figure(rel, features, groups, COLORS, ORDER,
                                       annotations=dict.fromkeys(features, note))  # fmt: skip
    assert overlapping_texts(fig) == []
    assert "Opioid-T vs Control: q = 0.00057" in " ".join(_texts(fig)).replace("\n", " ")
    _assert_n_labels(fig, groups)


def test_stamp_p_and_q_columns_do_not_run_together():
    stamp = _stamp(n=6, q_sig=(0, 1, 2))
    stamp["p"] = [1.2e-5, 3.4e-4, 0.0012, 0.5, 0.049, 1.0]
    stamp["q"] = [2.3e-4, 9.9e-4, 0.0123, 0.9, 0.2, 1.0]
    fig = make_extended_error_bar_figure(stamp, "Opioid-S", "Control", COLORS, max_features=6)
    assert overlapping_texts(fig) == []
    assert {"1.2e-05", "2.3e-04"} <= set(_texts(fig))
    # Each p stands clearly apart from its q: at least 0.15 in (about two digits) between them.
    text_panel = fig.axes[2]
    renderer = fig.canvas.get_renderer()  # the Agg canvas overlapping_texts drew on
    rows: dict[float, list] = {}
    for t in text_panel.texts:
        rows.setdefault(round(t.get_position()[1], 6), []).append(t.get_window_extent(renderer))
    for y, (p_box, q_box) in rows.items():
        assert (q_box.x0 - p_box.x1) / fig.dpi >= 0.15, y
