"""asynclint: finds calls that block the event loop in asyncio and FastAPI applications."""

# Written out, not read with importlib.metadata: importing that costs ~45 ms, a tenth of a warm
# run. tests/test_cli.py checks it against `version` in pyproject.toml.
__version__ = "0.1.0"

__all__ = ["__version__"]
