-- Drives Neovim's built-in LSP client against "quirk lsp": open a script,
-- wait for diagnostics, list the code actions on the finding, apply the
-- "disable on this line" one, and wait for the finding to go. Everything
-- observed is written as JSON to $QUIRK_NVIM_OUT for the Go test to judge.
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
  local client_id = vim.lsp.start_client({
    name = "quirk",
    cmd = { os.getenv("QUIRK_BIN"), "lsp" },
    root_dir = vim.fn.fnamemodify(script, ":h"),
  })
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

  assert(vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50), "no diagnostics in 15s")
  out.before = quirk_diags()
  local client = vim.lsp.get_client_by_id(client_id)
  out.encoding = client.offset_encoding

  -- Code actions on the first QK5001.
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == "QK5001" then target = d break end
  end
  assert(target, "no QK5001 diagnostic")
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
    if a.title:match("^Disable QK5001 on this line") then disable = a end
  end
  assert(disable, "no disable action")
  vim.lsp.util.apply_workspace_edit(disable.edit, client.offset_encoding)
  out.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)

  -- The edit goes to the server as didChange; wait for the re-check.
  assert(vim.wait(15000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == "QK5001" then return false end
    end
    return true
  end, 50), "QK5001 still reported after the disable action")
  out.after = quirk_diags()
end)
finish(ok and vim.NIL or tostring(err))
