from training.experiments import compare, row_name


def row(variant, clean, babble, sad=0.4):
    return {"variant": variant, "conditions": {"int8": {
        "clean": {"ua_folds": clean, "pooled_recall": {"happy": 0.6, "sad": sad}},
        "babble-10dB": {"ua_folds": babble}}}}


def test_compare_reads_each_variant_latest_row_and_counts_the_conditions_that_improved():
    rows = [row("recipe", [0.5, 0.5], [0.5, 0.5]), row("recipe", [0.6, 0.6], [0.4, 0.4]),
            row("longer", [0.62, 0.66], [0.38, 0.40], sad=0.55)]
    table = compare(rows, "recipe", "longer")
    assert "| clean | 0.600 | 0.640 | +4.0 | +2.0, +6.0 |" in table
    assert "| babble-10dB | 0.400 | 0.390 | -1.0 | -2.0, +0.0 |" in table
    assert "+1.50 points over 2 conditions, 1 better" in table
    assert table.endswith("| happy | 0.60 | 0.60 |\n| sad | 0.40 | 0.55 |")


def test_compare_reports_each_family_and_each_other_corpus():
    a, b = row("recipe", [0.6, 0.6], [0.4, 0.4]), row("devices", [0.6, 0.6], [0.4, 0.4])
    a["conditions"]["int8"]["colouring-dark"] = {"ua_folds": [0.3, 0.3]}
    b["conditions"]["int8"]["colouring-dark"] = {"ua_folds": [0.5, 0.4]}
    for r, ua in ((a, 0.5), (b, 0.45)):
        r["corpora"] = {"int8": {"nemo": {"conditions": {"clean": {"ua_folds": [ua, ua], "pooled_recall": {"sad": ua}}}}}}
    table = compare([a, b], "recipe", "devices")
    assert "in-family: +0.00 points over 2 conditions, 0 better" in table
    assert "out-of-family: +15.00 points over 1 conditions, 1 better" in table
    assert "| nemo | recipe | devices | change | per fold |" in table
    assert "| clean | 0.500 | 0.450 | -5.0 | -5.0, -5.0 |" in table


def test_compare_takes_rescored_rows_and_skips_runs_of_some_folds():
    partial = {**row("recipe", [0.9], [0.9]), "folds": [2]}
    rescored = {**row("", [0.6, 0.6], [0.4, 0.4]), "rescored": ["recipe"]}
    del rescored["variant"]
    ensemble = {**rescored, "rescored": ["recipe", "other-seed"]}
    rescored_partial = {**rescored, "folds": [1, 2]}
    rows = [rescored, partial, ensemble, rescored_partial, row("longer", [0.62, 0.66], [0.38, 0.40])]
    assert [row_name(r) for r in rows] == ["recipe", "recipe folds 2", "recipe + other-seed", "recipe folds 1 2", "longer"]
    assert "| clean | 0.600 | 0.640 | +4.0 | +2.0, +6.0 |" in compare(rows, "recipe", "longer")
