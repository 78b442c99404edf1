"""The configuration file check: a named file must exist, a syntax error names file and line."""
from __future__ import annotations

from bot.config_file import config_problem


def test_a_named_file_that_is_not_there_is_a_problem_naming_it(tmp_path):
    missing = tmp_path / "alocbot.toml"
    problem = config_problem(str(missing), default=tmp_path / "x.toml")
    assert problem == f"ALLOCBOT_CONFIG names {missing}, which is not a file"


def test_the_default_file_may_be_absent(tmp_path):
    assert config_problem(None, default=tmp_path / "allocbot.toml") is None


def test_a_syntax_error_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "allocbot.toml"
    path.write_text('batch_size = 10\nfrom_name = "Billing\n', encoding="utf-8")
    problem = config_problem(None, default=path)
    assert problem.startswith(f"{path}: not valid TOML: ") and "line 2" in problem


def test_a_good_file_and_a_file_that_is_not_utf8(tmp_path):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text("batch_size = 10\n", encoding="utf-8")
    bad.write_bytes(b'from_name = "\xff"\n')
    assert config_problem(str(good), default=bad) is None
    assert config_problem(str(bad), default=good).startswith(f"{bad}: cannot be read")
