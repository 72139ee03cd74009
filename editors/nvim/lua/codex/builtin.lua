--- Ghost text through Neovim's own `vim.lsp.inline_completion` (0.12 and later):
--- enable it for the buffer and map the keys to its functions.

local M = {}

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
