"""What the corpus tests need, said when it is missing: the project's shared accuracy corpora
(`../shared/corpus/<name>/`, with `expected.jsonl`) and their scorer
(`../shared/tools/score_corpus.py`), kept beside this checkout, not in the repository. Without
them the tests are skipped with this message; with CI=true the run fails instead."""
from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import unavailable


def need(*paths: Path) -> None:
    """Skip (fail in CI) unless every path is there, naming the missing ones."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        unavailable(f"needs {', '.join(missing)}: the shared corpora and scorer beside this checkout "
                    "(../shared/corpus/<name>/expected.jsonl, ../shared/tools/score_corpus.py; not in the "
                    "repository; see the README's Tests section). With CI=true a missing corpus fails the run")
