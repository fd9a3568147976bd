from training.experiments import compare


def row(variant, clean, babble):
    return {"variant": variant, "conditions": {"int8": {"clean": {"ua_folds": clean}, "babble-10dB": {"ua_folds": babble}}}}


def test_compare_reads_each_variant_latest_row_and_counts_the_conditions_that_improved():
    rows = [row("recipe", [0.5, 0.5], [0.5, 0.5]), row("recipe", [0.6, 0.6], [0.4, 0.4]),
            row("longer", [0.62, 0.66], [0.38, 0.40])]
    table = compare(rows, "recipe", "longer")
    assert "| clean | 0.600 | 0.640 | +4.0 | +2.0, +6.0 |" in table
    assert "| babble-10dB | 0.400 | 0.390 | -1.0 | -2.0, +0.0 |" in table
    assert table.endswith("+1.50 points over 2 conditions, 1 better")
