--- Ghost text through Neovim's own `vim.lsp.inline_completion` (0.12 and later):
--- enable it for the buffer and map the keys to its functions.

local M = {}

local api = vim.api
local suggestion = require("codex.suggestion")

--- The byte column of the start of `item`'s range on `row`, whichever shape the range has
--- (an LSP range or the 0-based row/col fields of `vim.Range`); nil when it is elsewhere.
---@param item table
---@param row integer
---@param bufnr integer
---@return integer?
local function start_col(item, row, bufnr)
  local range = item.range
  if type(range) ~= "table" then
    return nil
  end
  if range.start and range.start.line == row then
    local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
    local client = vim.lsp.get_client_by_id(item.client_id)
    local ok, col = pcall(vim.str_byteindex, line, client and client.offset_encoding or "utf-16", range.start.character, false)
    return ok and col or nil
  end
  if range.start_row == row then
    return range.start_col
  end
  return nil
end

--- Accept the head of the built-in's current item that `take` picks: insert it at the
--- cursor, tell the server, and let the built-in ask again (the server answers with the
--- rest from the suggestion it showed). The last part is accepted whole.
---@param bufnr integer
---@param take fun(rest: string): string
---@return boolean
function M.accept_part(bufnr, take)
  local inline = vim.lsp.inline_completion
  local partial = false
  local accepted = inline.get({
    bufnr = bufnr,
    on_accept = function(item)
      local text = type(item.insert_text) == "string" and item.insert_text or nil
      local pos = api.nvim_win_get_cursor(0)
      local row, col = pos[1] - 1, pos[2]
      local scol = start_col(item, row, bufnr) or col
      if not text then
        return item
      end
      local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
      local part = suggestion.partial(line, { text = text, range = { row, scol, row, scol } }, row, col, take)
      if not part then
        return item
      end
      partial = true
      api.nvim_buf_set_text(bufnr, row, col, row, col, vim.split(part.head, "\n", { plain = true }))
      api.nvim_win_set_cursor(0, { part.rest.range[1] + 1, part.rest.range[2] })
      local client = vim.lsp.get_client_by_id(item.client_id)
      if client then
        client:notify("textDocument/didPartiallyAcceptCompletion", { item = { insertText = text }, acceptedLength = part.accepted })
      end
      return nil
    end,
  })
  return accepted or partial
end

---@param bufnr integer
---@param _ vim.lsp.Client
---@param config codex.Config
function M.attach(bufnr, _, config)
  local inline = assert(vim.lsp.inline_completion, "vim.lsp.inline_completion needs Neovim 0.12")
  inline.enable(true, { bufnr = bufnr })
  local keys = config.keymaps
  if keys.accept then
    -- As in Neovim's own docs: get() accepts and returns true, else the key is typed.
    vim.keymap.set("i", keys.accept, function()
      if not inline.get({ bufnr = bufnr }) then
        return keys.accept
      end
    end, { buffer = bufnr, expr = true, desc = "codex: accept the suggestion" })
  end
  for key, take in pairs({ accept_word = suggestion.next_word, accept_line = suggestion.next_line }) do
    local lhs = keys[key]
    if lhs then
      vim.keymap.set("i", lhs, function()
        if not M.accept_part(bufnr, take) then
          api.nvim_feedkeys(vim.keycode(lhs), "n", false)
        end
      end, { buffer = bufnr, desc = "codex: accept the next " .. (key == "accept_word" and "word" or "line") })
    end
  end
  -- Named `select` in 0.12's first releases, `jump` later.
  local step = inline.select or inline.jump
  if keys.next and step then
    vim.keymap.set("i", keys.next, function()
      step({ bufnr = bufnr, count = 1 })
    end, { buffer = bufnr, desc = "codex: next suggestion" })
  end
  if keys.prev and step then
    vim.keymap.set("i", keys.prev, function()
      step({ bufnr = bufnr, count = -1 })
    end, { buffer = bufnr, desc = "codex: previous suggestion" })
  end
  -- No dismiss: the built-in ghost text goes away when the cursor moves or on <Esc>.
end

return M
