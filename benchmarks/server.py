"""Response time of `asynclint server` to a one-function edit of an unsaved buffer.

    python benchmarks/server.py TREE [--edits 10] [--file PATH]

Starts the server over stdio (pygls' client, as tests/test_server.py does), opens one file of
TREE, waits for its first diagnostics (the cold or warm first analysis), then changes one
function body in that buffer (`total = 0` <-> `total = 1`, or a `pass` added before a
`return`) EDITS times, and prints, per edit, the time from the didChange notification to the
publishDiagnostics of the new version (the debounce is 0 here), and the server's own
measurement of the analysis. TREE needs a `pyproject.toml` (or `.git`) at its root to be
analysed as one project.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.lsp.client import LanguageClient


def pick(tree: Path) -> Path:
    """The first file (sorted) with a function body the edit can change."""
    for path in sorted(tree.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\n        total = 0\n" in text or "\n    return " in text:
            return path
    raise SystemExit(f"no editable function in {tree}")


def edited(text: str, round_: int) -> str:
    if "\n        total = 0\n" in text:
        return text.replace("\n        total = 0\n", f"\n        total = {round_ + 1}\n", 1)
    return text.replace("\n    return ", "\n" + "    pass\n" * (round_ + 1) + "    return ", 1)


async def measure(tree: Path, file: Path, edits: int, cache: bool) -> None:
    client = LanguageClient("asynclint-bench", "1")
    published: dict[int, float] = {}
    analysed: list[float] = []
    modes: list[str] = []  # how the server analysed: full or incremental, and why
    arrived = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.uri == file.as_uri() and params.version is not None:
            published.setdefault(params.version, time.perf_counter())
            arrived.set()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def on_log(params: types.LogMessageParams) -> None:
        found = re.search(r"in (\d+) ms(?: \((.*)\))?$", params.message)
        if found:
            analysed.append(float(found.group(1)))
            modes.append(found.group(2) or "")

    args = [
        "-c",
        "from asynclint.cli import main; main()",
        "server",
        "--debounce-ms",
        "0",
    ]
    if not cache:
        args.append("--no-cache")
    await client.start_io(sys.executable, *args, cwd=str(tree))
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tree.as_uri())
    )
    client.initialized(types.InitializedParams())

    async def wait_for(version: int) -> float:
        while version not in published:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 600)
        return published[version]

    text = file.read_text(encoding="utf-8")
    started = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=file.as_uri(), language_id="python", version=1, text=text
            )
        )
    )
    first = await wait_for(1) - started
    print(f"open -> first diagnostics: {first * 1000:.0f} ms")
    times: list[float] = []
    for round_ in range(edits):
        version = round_ + 2
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=file.as_uri(), version=version
                ),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(text=edited(text, round_))
                ],
            )
        )
        times.append(await wait_for(version) - sent)
    await asyncio.sleep(0.5)  # the server logs its own measurement after publishing
    print(f"server's first analysis: {analysed[0]:.0f} ms")
    server_times = analysed[1:]
    print(
        f"one-function edit -> diagnostics, {edits} edits: "
        f"median {statistics.median(times) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"(server analysis median {statistics.median(server_times):.0f} ms)"
    )
    print("server analyses after the edits: " + ", ".join(sorted(set(modes[1:]))))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--file", type=Path, default=None, help="the file to edit")
    parser.add_argument("--no-cache", action="store_true", help="no on-disk summary cache")
    args = parser.parse_args(argv)
    tree = args.tree.resolve()
    file = (args.file or pick(tree)).resolve()
    print(f"{tree}: {sum(1 for _ in tree.rglob('*.py'))} files; editing {file.relative_to(tree)}")
    asyncio.run(measure(tree, file, args.edits, not args.no_cache))


if __name__ == "__main__":
    main()
