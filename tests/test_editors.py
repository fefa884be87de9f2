"""A real editor runs `asynclint server` with the configuration docs/editors.md gives for it.

Needs Neovim (`nvim` on PATH; the Neovim 0.7 snippet runs on 0.7 and later); selected with
`pytest -m editors`, since the default test environment has no editor installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_server import APP, PYPROJECT, SERVICES, snippet

# what the user does, as Neovim commands: open both files, edit services.py without saving,
# wait for the finding in app.py, apply its code action, wait for the finding to go
SCENARIO = r"""
local app = vim.fn.bufnr("app.py")
local out = {}
local function wait_app(want)
  return vim.wait(20000, function() return want(#vim.diagnostic.get(app)) end, 50)
end
vim.wait(20000, function() return #vim.lsp.get_active_clients() > 0 end, 50)
vim.cmd("edit services.py")
vim.api.nvim_buf_set_lines(0, 4, 5, false, {
  '    response = requests.get(f"https://api.example.com/users/{user_id}", timeout=5)',
  "    return response.json()",
})
table.insert(out, "found " .. tostring(wait_app(function(n) return n > 0 end)))
for _, d in ipairs(vim.diagnostic.get(app)) do
  table.insert(out, string.format("diagnostic %d:%d %s", d.lnum, d.col, d.source))
end
vim.cmd("buffer " .. app)
vim.api.nvim_win_set_cursor(0, { 10, 13 })
local params = vim.lsp.util.make_range_params()
params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(app) }
local answers = vim.lsp.buf_request_sync(app, "textDocument/codeAction", params, 20000)
for _, answer in pairs(answers or {}) do
  for _, action in ipairs(answer.result or {}) do
    table.insert(out, "action " .. action.title)
    vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
  end
end
table.insert(out, "fixed " .. tostring(wait_app(function(n) return n == 0 end)))
table.insert(out, "line " .. vim.api.nvim_buf_get_lines(app, 8, 9, false)[1])
vim.fn.writefile(out, vim.env.SCENARIO_OUT)
vim.cmd("qa!")
"""


@pytest.mark.editors
def test_neovim_shows_a_buffer_edit_two_modules_away_and_applies_the_fix(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    assert nvim is not None, "the editors tests need Neovim (nvim) on PATH"
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "app.py").write_text(APP)
    (project / "services.py").write_text(SERVICES)
    (tmp_path / "init.lua").write_text(snippet("-- Neovim 0.7"))
    (tmp_path / "scenario.lua").write_text(SCENARIO)
    out = tmp_path / "out.txt"
    env = {
        **os.environ,
        # the `asynclint` of this environment, as the docs ask for
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "SCENARIO_OUT": str(out),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    command = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(tmp_path / "init.lua")]
    command += ["-c", "edit app.py", "-c", f"luafile {tmp_path / 'scenario.lua'}"]
    subprocess.run(
        command,
        cwd=project,
        env=env,
        timeout=120,
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    lines = out.read_text().splitlines()
    assert lines[0] == "found true"
    assert "diagnostic 9:11 asynclint" in lines
    assert any(line.startswith("action ASL101: Make `read_user` a plain `def`") for line in lines)
    assert "fixed true" in lines
    assert "line def read_user(user_id: int) -> dict:" in lines
    assert (project / "services.py").read_text() == SERVICES  # nothing was saved
    assert (project / "app.py").read_text() == APP
