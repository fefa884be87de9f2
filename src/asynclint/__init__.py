"""asynclint: finds calls that block the event loop in asyncio and FastAPI applications."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("asynclint")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
