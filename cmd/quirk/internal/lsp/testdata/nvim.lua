-- Drives Neovim's built-in LSP client against "quirk lsp" (or, with
-- QUIRK_BLS set, against bash-language-server running the quirk binary as
-- its shellcheckPath): open a script, wait for diagnostics, list the code
-- actions on the finding, apply the "disable" one, and wait for the
-- finding to go. Everything observed is written as JSON to $QUIRK_NVIM_OUT
-- for the Go test to judge.
local out = {}
local function finish(err)
  out.error = err
  local f = assert(io.open(os.getenv("QUIRK_NVIM_OUT"), "w"))
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  local script = os.getenv("QUIRK_NVIM_SCRIPT")
  vim.cmd("edit " .. vim.fn.fnameescape(script))
  local buf = vim.api.nvim_get_current_buf()
  local bls = os.getenv("QUIRK_BLS") or ""
  local code, disable_title = "QK5001", "^Disable QK5001 on this line"
  local config = {
    name = "quirk",
    cmd = { os.getenv("QUIRK_BIN"), "lsp" },
    root_dir = vim.fn.fnamemodify(script, ":h"),
  }
  if bls ~= "" then
    code, disable_title = "SC5001", "^Disable ShellCheck rule SC5001 for this command"
    config = {
      name = "bash-language-server",
      cmd = { bls, "start" },
      root_dir = vim.fn.fnamemodify(script, ":h"),
      settings = { bashIde = { shellcheckPath = os.getenv("QUIRK_BIN"), backgroundAnalysisMaxFiles = 0 } },
      -- bash-language-server reads both; the initialization options are
      -- what it applies before its first lint.
      init_options = { shellcheckPath = os.getenv("QUIRK_BIN") },
    }
  end
  local client_id = vim.lsp.start_client(config)
  assert(client_id, "start_client failed")
  vim.lsp.buf_attach_client(buf, client_id)

  local function quirk_diags()
    local ds = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      table.insert(ds, { code = d.code, source = d.source, lnum = d.lnum, col = d.col,
        message = d.message, severity = d.severity,
        href = d.user_data and d.user_data.lsp and d.user_data.lsp.codeDescription and d.user_data.lsp.codeDescription.href })
    end
    return ds
  end

  local function has_code()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == code then return true end
    end
    return false
  end
  assert(vim.wait(20000, has_code, 50), "no " .. code .. " diagnostic in 20s")
  out.before = quirk_diags()
  local client = vim.lsp.get_client_by_id(client_id)
  out.encoding = client.offset_encoding

  -- Code actions on the first QK5001 (SC5001 through bash-language-server).
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then target = d break end
  end
  assert(target, "no " .. code .. " diagnostic")
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = target.lnum, character = target.col }, ["end"] = { line = target.end_lnum, character = target.end_col } },
    context = { diagnostics = { target.user_data.lsp } },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 10000)
  assert(responses and responses[client_id] and responses[client_id].result, "no codeAction response")
  out.actions = {}
  local disable
  for _, a in ipairs(responses[client_id].result) do
    table.insert(out.actions, a.title)
    if a.title:match(disable_title) then disable = a end
  end
  assert(disable, "no disable action")

  -- The safe fix of the next line's finding, as a quick fix.
  local fixline = target.lnum + 1
  local fixparams = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = fixline, character = 0 }, ["end"] = { line = fixline, character = 4 } },
    context = { diagnostics = vim.tbl_map(function(d) return d.user_data.lsp end, vim.diagnostic.get(buf, { lnum = fixline })) },
  }
  local fixresp = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", fixparams, 10000)
  out.fix_actions = {}
  for _, a in ipairs((fixresp and fixresp[client_id] and fixresp[client_id].result) or {}) do
    table.insert(out.fix_actions, a.title)
  end

  vim.lsp.util.apply_workspace_edit(disable.edit, client.offset_encoding)
  out.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)

  -- The edit goes to the server as didChange; wait for the re-check.
  assert(vim.wait(15000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == code then return false end
    end
    return true
  end, 50), code .. " still reported after the disable action")
  out.after = quirk_diags()
end)
finish(ok and vim.NIL or tostring(err))
