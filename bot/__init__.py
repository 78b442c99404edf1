"""allocbot: reads allocation requests from a mailbox and applies what is certain."""
from importlib.metadata import PackageNotFoundError, version

try:  # one version, pyproject.toml's: what `allocbot --version` and export manifests say
    __version__ = version("allocbot")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.1.0"
